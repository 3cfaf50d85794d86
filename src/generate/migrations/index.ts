import type { ServiceDdl } from '../ddl/statements.js';
import type { GeneratedFile } from '../types.js';
import { MIGRATION_FILE, renderKnexfile, renderKnexMigration } from './knex-migration.js';

export { MIGRATION_FILE, migrationStatements, renderKnexfile, renderKnexMigration, urlVariable, type MigrationStatements } from './knex-migration.js';

/** `<service>/migrations/0001_initial_schema.cjs` and `<service>/knexfile.cjs` for each service. */
export function generateMigrationFiles(ddls: readonly ServiceDdl[]): GeneratedFile[] {
  return ddls.flatMap((ddl) => [
    { path: `${ddl.service}/migrations/${MIGRATION_FILE}`, content: renderKnexMigration(ddl) },
    { path: `${ddl.service}/knexfile.cjs`, content: renderKnexfile(ddl) },
  ]);
}
