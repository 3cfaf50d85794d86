import { z } from 'zod';

/**
 * The schema of `dbsplit.yaml`. Versioned: `version: 1`. Unknown keys are errors, so a typo
 * (`servics:`) is caught instead of silently ignored.
 */

const tableList = z.array(z.string().min(1, 'a table name cannot be empty'));

export const targetSchema = z
  .object({
    url: z.string().min(1).optional(),
    isolation: z.enum(['schema', 'database']).default('database'),
    schema: z.string().min(1).optional(),
  })
  .strict();

export const serviceSchema = z
  .object({
    tables: tableList,
    /** Tables that automatic suggestion must leave with this service. */
    pin: tableList.optional(),
    target: targetSchema.optional(),
    description: z.string().optional(),
  })
  .strict();

export const transportSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('direct') }).strict(),
  z
    .object({
      kind: z.literal('kafka'),
      brokers: z.array(z.string().min(1)).min(1, 'list at least one broker (host:port)'),
      topicPrefix: z.string().min(1).default('dbsplit'),
      clientId: z.string().min(1).optional(),
    })
    .strict(),
]);

export const cutoverSchema = z
  .object({
    maxLagSeconds: z.number().positive().default(5),
    maxLagBytes: z.number().int().positive().default(16 * 1024 * 1024),
    bakeDays: z.number().nonnegative().default(7),
    requireCleanDiffWithinHours: z.number().positive().default(24),
  })
  .strict();

export const planFileSchema = z
  .object({
    version: z.literal(1, { message: 'version must be 1 (the only plan format this dbsplit reads)' }),
    monolith: z
      .object({
        url: z.string().min(1).optional(),
        ddl: z.array(z.string().min(1)).optional(),
        searchPath: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .optional(),
    workload: z.array(z.string().min(1)).optional(),
    services: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'service names are lower-case letters, digits and _ (they become schema and database names)'), serviceSchema),
    shared: tableList.optional(),
    unassigned: tableList.optional(),
    transport: transportSchema.optional(),
    cutover: cutoverSchema.optional(),
  })
  .strict();

export type PlanFile = z.infer<typeof planFileSchema>;
export type ServiceEntry = z.infer<typeof serviceSchema>;
