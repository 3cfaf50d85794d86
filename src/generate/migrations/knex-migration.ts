import type { DdlSection, ServiceDdl } from '../ddl/statements.js';

/**
 * The service's schema as a knex migration. Files are `.cjs`: knex's default loadExtensions
 * include it, and Node loads it as CommonJS whatever the nearest package.json says, so the
 * same file works in a project with or without `"type": "module"` (a `.js` file with
 * `exports.up` breaks as soon as the project turns ESM).
 */

export const MIGRATION_FILE = '0001_initial_schema.cjs';

/**
 * A statement knex.raw cannot pass unchanged goes as a parameter and runs through EXECUTE
 * (provision's --dry-run recognises the pair and shows the statement itself).
 */
export const EXECUTE_SET = "SELECT set_config('dbsplit.statement', ?, false)";
export const EXECUTE_RUN = "DO $dbsplit$ BEGIN EXECUTE current_setting('dbsplit.statement'); END $dbsplit$";

const SECTION_COMMENTS: Record<DdlSection, string> = {
  schemas: 'Schemas',
  types: 'Types',
  sequences: 'Sequences',
  tables: 'Tables',
  indexes: 'Indexes',
  'foreign-keys': 'Foreign keys',
  comments: 'Comments',
};

export interface MigrationStatements {
  readonly up: readonly string[];
  readonly down: readonly string[];
}

export function migrationStatements(ddl: ServiceDdl): MigrationStatements {
  return { up: ddl.statements.map((s) => s.sql), down: ddl.drops };
}

/** The text of a JavaScript template literal holding `text` exactly. */
function templateLiteral(text: string): string {
  return '`' + text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${') + '`';
}

/**
 * knex.raw turns every `?` into a query parameter and drops backslashes before one. A `?`
 * escaped as `\?` comes through as `?`; a backslash already before a `?` cannot, so such a
 * statement is passed as a parameter and run with EXECUTE instead.
 */
function rawCall(sql: string, indent: string): string {
  if (/\\\?/.test(sql)) {
    return [
      `${indent}// A backslash before "?" cannot pass through knex.raw, so this statement runs through EXECUTE.`,
      `${indent}await knex.raw(${JSON.stringify(EXECUTE_SET)}, [${templateLiteral(sql)}]);`,
      `${indent}await knex.raw(${JSON.stringify(EXECUTE_RUN)});`,
    ].join('\n');
  }
  return `${indent}await knex.raw(${templateLiteral(sql.replace(/\?/g, '\\?'))});`;
}

export function renderKnexMigration(ddl: ServiceDdl): string {
  const hasQuestionMark = [...ddl.statements.map((s) => s.sql), ...ddl.drops].some((s) => s.includes('?'));
  const lines = [
    `// dbsplit: the initial schema of service ${ddl.service} as a knex migration: the statements of`,
    '// ../schema.sql, one knex.raw per statement so that an error points at the statement that failed.',
    '// From now on the team owns this directory: never edit a migration that has run; add the next one',
    '// with `npx knex --knexfile knexfile.cjs migrate:make <name>` and apply it with `migrate:latest`.',
    ...(hasQuestionMark ? ['// "?" is written "\\?": knex.raw would otherwise take it for a query parameter.'] : []),
    "'use strict';",
    '',
    "/** @param {import('knex').Knex} knex */",
    'exports.up = async function up(knex) {',
  ];
  let section: DdlSection | undefined;
  for (const s of ddl.statements) {
    if (s.section !== section) {
      if (section !== undefined) lines.push('');
      lines.push(`  // ${SECTION_COMMENTS[s.section]}`);
      section = s.section;
    }
    lines.push(rawCall(s.sql, '  '));
  }
  lines.push('};', '', "/** Drops everything up() created, in reverse order. @param {import('knex').Knex} knex */", 'exports.down = async function down(knex) {');
  for (const d of ddl.drops) lines.push(rawCall(d, '  '));
  lines.push('};', '');
  return lines.join('\n');
}

/** The environment variable knexfile.cjs reads the service's database URL from. */
export function urlVariable(service: string): string {
  return `${service.toUpperCase()}_DATABASE_URL`;
}

export function renderKnexfile(ddl: ServiceDdl): string {
  const variable = urlVariable(ddl.service);
  const schemaName = ddl.serviceSchema !== undefined ? [`    // isolation: schema: knex keeps its migration tables in the service's schema too.`, `    schemaName: ${JSON.stringify(ddl.serviceSchema)},`] : [];
  return [
    `// dbsplit: knex configuration for service ${ddl.service}. The database URL comes from the environment,`,
    '// never from this file:',
    `//   ${variable}=postgres://user:password@host:5432/${ddl.service} npx knex --knexfile knexfile.cjs migrate:latest`,
    "'use strict';",
    "const path = require('node:path');",
    '',
    `const URL_VARIABLE = ${JSON.stringify(variable)};`,
    '',
    'module.exports = {',
    "  client: 'pg',",
    '  // A function, so that commands that need no database (migrate:make) work without the variable.',
    '  connection: () => {',
    '    const url = process.env[URL_VARIABLE];',
    `    if (!url) throw new Error(\`set \${URL_VARIABLE} to the URL of the ${ddl.service} database (postgres://user:password@host:port/database)\`);`,
    '    return { connectionString: url };',
    '  },',
    '  migrations: {',
    "    directory: path.join(__dirname, 'migrations'),",
    "    loadExtensions: ['.cjs'],",
    "    extension: 'cjs',",
    ...schemaName,
    '  },',
    '};',
    '',
  ].join('\n');
}
