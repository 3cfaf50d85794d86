/**
 * The plan: which service owns which table. The planning issue grows this (targets, pins,
 * transport, thresholds); everything downstream reads ownership through `ownership()`.
 */

export type Isolation = 'schema' | 'database';

export interface ServiceTarget {
  /** Connection URL of the service's database (after ${ENV} interpolation). */
  readonly url?: string;
  readonly isolation: Isolation;
  /** With isolation `schema`: the schema that holds the service's tables (default: the service name). */
  readonly schema?: string;
}

export interface ServicePlan {
  readonly name: string;
  /** Qualified table keys (`schema.table`), globs already expanded against the schema. */
  readonly tables: readonly string[];
  readonly target?: ServiceTarget;
}

export interface Plan {
  readonly version: 1;
  readonly services: readonly ServicePlan[];
  /** Reference tables copied to several services. */
  readonly shared: readonly string[];
  /** Tables deliberately left without an owner for now. */
  readonly unassigned: readonly string[];
}

/** table key -> owning service name. Shared and unassigned tables are absent. */
export function ownership(plan: Plan): Map<string, string> {
  const owner = new Map<string, string>();
  for (const service of plan.services) for (const t of service.tables) owner.set(t, service.name);
  return owner;
}
