import type pg from 'pg';
import { PreconditionError } from '../errors.js';
import { CONTROL_SCHEMA } from '../db/control-schema.js';

/**
 * A service's phase in the strangler-fig migration. Forward moves one step at a time;
 * rollback moves back. The cutover issue adds the preconditions of each move.
 */
export const PHASES = ['planned', 'provisioned', 'shadowing', 'reads', 'writes', 'complete'] as const;
export type Phase = (typeof PHASES)[number];

export function phaseIndex(p: Phase): number {
  return PHASES.indexOf(p);
}

export async function getPhase(client: pg.Client, service: string): Promise<Phase> {
  const res = await client.query<{ phase: Phase }>(`SELECT phase FROM ${CONTROL_SCHEMA}.services WHERE name = $1`, [service]);
  return res.rows[0]?.phase ?? 'planned';
}

export async function allPhases(client: pg.Client): Promise<Map<string, { phase: Phase; updatedAt: Date }>> {
  const res = await client.query<{ name: string; phase: Phase; updated_at: Date }>(`SELECT name, phase, updated_at FROM ${CONTROL_SCHEMA}.services ORDER BY name`);
  return new Map(res.rows.map((r) => [r.name, { phase: r.phase, updatedAt: r.updated_at }]));
}

/**
 * Move a service to `to`, only from one of `from` (checked under a row lock, so two
 * concurrent dbsplit runs cannot both move it).
 */
export async function setPhase(client: pg.Client, service: string, to: Phase, from: readonly Phase[], details: Record<string, unknown> = {}): Promise<Phase> {
  await client.query(`INSERT INTO ${CONTROL_SCHEMA}.services (name, phase) VALUES ($1, 'planned') ON CONFLICT (name) DO NOTHING`, [service]);
  const res = await client.query<{ phase: Phase }>(`SELECT phase FROM ${CONTROL_SCHEMA}.services WHERE name = $1 FOR UPDATE`, [service]);
  const current = res.rows[0]?.phase ?? 'planned';
  if (current === to) return current;
  if (!from.includes(current)) {
    throw new PreconditionError(`service ${service} is in phase ${current}; moving to ${to} needs ${from.join(' or ')}`, `dbsplit status shows each service's phase`);
  }
  await client.query(`UPDATE ${CONTROL_SCHEMA}.services SET phase = $2, updated_at = now(), details = details || $3::jsonb WHERE name = $1`, [service, to, JSON.stringify(details)]);
  return current;
}
