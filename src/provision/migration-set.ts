import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { Knex } from 'knex';
import { DbsplitError } from '../errors.js';
import { EXECUTE_RUN, EXECUTE_SET, type MigrationStatements } from '../generate/migrations/knex-migration.js';

/**
 * The knex migrations of a service: the files `dbsplit generate` wrote (and the team may have
 * added to), or, when there are none, the initial migration generated in memory.
 */

export const LOAD_EXTENSIONS: readonly string[] = ['.cjs'];

interface KnexMigration {
  up(knex: unknown): Promise<unknown>;
  down?(knex: unknown): Promise<unknown>;
}

export type MigrationSet =
  | { readonly kind: 'files'; readonly directory: string; readonly names: readonly string[] }
  | { readonly kind: 'memory'; readonly names: readonly string[]; readonly statements: ReadonlyMap<string, MigrationStatements> };

export async function migrationsOnDisk(outDir: string, service: string): Promise<MigrationSet | undefined> {
  const directory = resolve(outDir, service, 'migrations');
  if (!existsSync(directory)) return undefined;
  const names = (await readdir(directory)).filter((f) => LOAD_EXTENSIONS.some((ext) => f.endsWith(ext))).sort();
  if (names.length === 0) return undefined;
  return { kind: 'files', directory, names };
}

export function migrationsInMemory(name: string, statements: MigrationStatements): MigrationSet {
  return { kind: 'memory', names: [name], statements: new Map([[name, statements]]) };
}

/** knex.raw of exactly `sql`: see renderKnexMigration for why `?` needs care. */
async function runRaw(knex: Knex, sql: string): Promise<void> {
  if (/\\\?/.test(sql)) {
    await knex.raw(EXECUTE_SET, [sql]);
    await knex.raw(EXECUTE_RUN);
    return;
  }
  await knex.raw(sql.replace(/\?/g, '\\?'));
}

/** The knex migrate config that runs `set`. */
export function knexMigrateConfig(set: MigrationSet, schemaName: string | undefined): Knex.MigratorConfig {
  const base = schemaName !== undefined ? { schemaName } : {};
  if (set.kind === 'files') return { ...base, directory: set.directory, loadExtensions: [...LOAD_EXTENSIONS] };
  const source: Knex.MigrationSource<string> = {
    getMigrations: async () => [...set.names],
    getMigrationName: (name) => name,
    getMigration: async (name) => {
      const s = set.statements.get(name)!;
      return {
        up: async (knex: Knex) => {
          for (const sql of s.up) await runRaw(knex, sql);
        },
        down: async (knex: Knex) => {
          for (const sql of s.down) await runRaw(knex, sql);
        },
      };
    },
  };
  return { ...base, migrationSource: source };
}

/**
 * The SQL a migration's up() would run, for --dry-run: it is called with a stand-in for knex
 * that records knex.raw() instead of running it. A migration that uses more of knex than raw
 * SQL (the schema builder) cannot be shown this way and is reported as such.
 */
export async function migrationSql(set: MigrationSet, name: string): Promise<string[]> {
  if (set.kind === 'memory') return [...set.statements.get(name)!.up];
  const { default: knexFactory } = await import('knex');
  // No connection: used only to render raw SQL with its bindings, as knex would send it.
  const renderer = knexFactory({ client: 'pg' });
  const recorded: string[] = [];
  const stand = new Proxy(
    {
      raw: (sql: string, bindings?: readonly Knex.RawBinding[]) => {
        // dbsplit's own way round knex.raw's `?` handling: show the statement, not the detour.
        if (sql === EXECUTE_SET && typeof bindings?.[0] === 'string') recorded.push(bindings[0]);
        else if (sql !== EXECUTE_RUN) recorded.push(bindings === undefined ? renderer.raw(sql).toQuery() : renderer.raw(sql, bindings).toQuery());
        return Promise.resolve({ rows: [] });
      },
    },
    {
      get(target, prop) {
        if (prop === 'raw') return target.raw;
        if (prop === 'then') return undefined;
        throw new DbsplitError('E_USAGE', `--dry-run can only show migrations written with knex.raw; ${name} uses knex.${String(prop)}`, { hint: 'review the migration file instead' });
      },
    },
  );
  try {
    const require = createRequire(import.meta.url);
    const mod = require(join(set.directory, name)) as KnexMigration;
    await mod.up(stand);
  } finally {
    await renderer.destroy();
  }
  return recorded;
}
