import type pg from 'pg';
import { connect } from '../../db/connect.js';
import { controlSchemaVersion } from '../../db/control-schema.js';
import { getPhase, type Phase } from '../../cutover/phases.js';
import { serverVersionNum } from '../source/replication.js';
import type { SyncService } from '../source/service-tables.js';

/** The connections one shadow command works with: the monolith, and the service's target. */
export interface SyncSession {
  readonly svc: SyncService;
  readonly monolith: pg.Client;
  /** Undefined when the target database does not exist (not provisioned). */
  readonly target: pg.Client | undefined;
  readonly serverVersionNum: number;
  close(): Promise<void>;
}

/** Connect to the target; undefined when its database does not exist. */
export async function connectTargetDb(url: string, applicationName = 'dbsplit shadow'): Promise<pg.Client | undefined> {
  try {
    return await connect(url, { applicationName });
  } catch (e) {
    if ((e as { cause?: { code?: string } }).cause?.code === '3D000') return undefined;
    throw e;
  }
}

export async function openSyncSession(svc: SyncService, applicationName = 'dbsplit shadow'): Promise<SyncSession> {
  const monolith = await connect(svc.monolithUrl, { applicationName });
  let target: pg.Client | undefined;
  try {
    target = await connectTargetDb(svc.target.url, applicationName);
    const version = await serverVersionNum(monolith);
    return {
      svc,
      monolith,
      target,
      serverVersionNum: version,
      close: async () => {
        await target?.end().catch(() => undefined);
        await monolith.end().catch(() => undefined);
      },
    };
  } catch (e) {
    await target?.end().catch(() => undefined);
    await monolith.end().catch(() => undefined);
    throw e;
  }
}

/** The service's phase; planned when the control schema does not exist yet. */
export async function readPhase(monolith: pg.Client, service: string): Promise<Phase> {
  if ((await controlSchemaVersion(monolith)) === 0) return 'planned';
  return getPhase(monolith, service);
}
