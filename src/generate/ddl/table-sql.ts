import { columnKey, type Column, type ForeignKey, type Index, type SchemaModel, type Table } from '../../model/schema.js';
import { collationSql, qualified, quoteIdent } from './names.js';
import { requalify } from './requalify.js';
import { sequenceOptions, sequenceStart } from './sequence-start.js';
import type { ServiceScope } from './service-scope.js';

/**
 * The SQL of one table and its parts, as the monolith has them, with names placed in the
 * service's schema.
 */

const IDENTITY = { always: 'ALWAYS', 'by default': 'BY DEFAULT' } as const;
const STRATEGY = { range: 'RANGE', list: 'LIST', hash: 'HASH' } as const;

export function tableName(scope: ServiceScope, t: { readonly schema: string; readonly name: string }): string {
  return qualified(scope.place(t.schema), t.name);
}

function columnSql(scope: ServiceScope, table: Table, c: Column, source: SchemaModel['source']['kind']): string {
  const parts = [quoteIdent(c.name), scope.typeSql(c.type)];
  if (c.collation !== undefined) parts.push(`COLLATE ${collationSql(c.collation, [table.schema, 'public'])}`);
  if (c.generated !== undefined) parts.push(`GENERATED ALWAYS AS (${requalify(c.generated, scope.resolver)}) STORED`);
  else if (c.identity !== undefined) {
    const seq = scope.identitySequences.get(columnKey({ schema: table.schema, table: table.name, column: c.name }));
    const options = seq ? ` (SEQUENCE NAME ${qualified(scope.place(seq.schema), seq.name)} ${sequenceOptions(seq, sequenceStart(seq, source))})` : '';
    parts.push(`GENERATED ${IDENTITY[c.identity]} AS IDENTITY${options}`);
  } else if (c.default !== undefined) parts.push(`DEFAULT ${requalify(c.default, scope.resolver)}`);
  if (!c.nullable) parts.push('NOT NULL');
  return parts.join(' ');
}

const columnList = (columns: readonly string[]): string => columns.map(quoteIdent).join(', ');

export function createTableSql(scope: ServiceScope, table: Table, source: SchemaModel['source']['kind']): string {
  const lines = table.columns.map((c) => columnSql(scope, table, c, source));
  if (table.primaryKey.length > 0) {
    const name = table.primaryKeyName !== undefined ? `CONSTRAINT ${quoteIdent(table.primaryKeyName)} ` : '';
    lines.push(`${name}PRIMARY KEY (${columnList(table.primaryKey)})`);
  }
  for (const u of table.uniqueKeys) lines.push(`CONSTRAINT ${quoteIdent(u.name)} UNIQUE (${columnList(u.columns)})`);
  for (const c of table.checks) lines.push(`CONSTRAINT ${quoteIdent(c.name)} CHECK (${requalify(c.expression, scope.resolver)})`);
  const partition = table.partitioning ? ` PARTITION BY ${STRATEGY[table.partitioning.strategy]} (${requalify(table.partitioning.key, scope.resolver)})` : '';
  const unlogged = table.unlogged ? 'UNLOGGED ' : '';
  return `CREATE ${unlogged}TABLE ${tableName(scope, table)} (\n${lines.map((l) => '    ' + l).join(',\n')}\n)${partition}`;
}

/** An index key: a column name as an identifier, anything else as a parenthesized expression. */
function indexKey(scope: ServiceScope, table: Table, key: string): string {
  if (table.columns.some((c) => c.name === key)) return quoteIdent(key);
  return `(${requalify(key, scope.resolver)})`;
}

export function createIndexSql(scope: ServiceScope, table: Table, index: Index): string {
  const unique = index.unique ? 'UNIQUE ' : '';
  const using = index.method !== 'btree' ? ` USING ${index.method}` : '';
  const keys = index.columns.map((k) => indexKey(scope, table, k)).join(', ');
  const where = index.predicate !== undefined ? ` WHERE ${requalify(index.predicate, scope.resolver)}` : '';
  return `CREATE ${unique}INDEX ${quoteIdent(index.name)} ON ${tableName(scope, table)}${using} (${keys})${where}`;
}

const ACTION = { 'no action': 'NO ACTION', restrict: 'RESTRICT', cascade: 'CASCADE', 'set null': 'SET NULL', 'set default': 'SET DEFAULT' } as const;

export function addForeignKeySql(scope: ServiceScope, fk: ForeignKey): string {
  const parts = [
    `ALTER TABLE ${tableName(scope, { schema: fk.from.schema, name: fk.from.table })}`,
    `    ADD CONSTRAINT ${quoteIdent(fk.name)} FOREIGN KEY (${columnList(fk.from.columns)})`,
    `    REFERENCES ${tableName(scope, { schema: fk.to.schema, name: fk.to.table })} (${columnList(fk.to.columns)})`,
  ];
  const options: string[] = [];
  if (fk.match === 'full') options.push('MATCH FULL');
  else if (fk.match === 'partial') options.push('MATCH PARTIAL');
  if (fk.onDelete !== 'no action') options.push(`ON DELETE ${ACTION[fk.onDelete]}`);
  if (fk.onUpdate !== 'no action') options.push(`ON UPDATE ${ACTION[fk.onUpdate]}`);
  if (fk.deferrable) options.push(fk.initiallyDeferred ? 'DEFERRABLE INITIALLY DEFERRED' : 'DEFERRABLE');
  if (options.length > 0) parts[parts.length - 1] += ' ' + options.join(' ');
  return parts.join('\n');
}

/**
 * True when an index of the table already serves lookups by `columns` (its leading keys are
 * those columns, in any order), so a removed foreign key needs no index of its own.
 */
export function hasLeadingIndex(indexes: readonly Pick<Index, 'columns' | 'predicate'>[], primaryKey: readonly string[], columns: readonly string[]): boolean {
  const want = new Set(columns);
  const leads = (keys: readonly string[]) => keys.length >= want.size && keys.slice(0, want.size).every((k) => want.has(k));
  if (leads(primaryKey)) return true;
  return indexes.some((i) => {
    if (!leads(i.columns)) return false;
    if (i.predicate === undefined) return true;
    // `WHERE col IS NOT NULL` still finds every row a lookup by col = value can find.
    const p = i.predicate.replace(/[()\s]+/g, ' ').trim().toLowerCase();
    return columns.length === 1 && p === `${columns[0]!.toLowerCase()} is not null`;
  });
}
