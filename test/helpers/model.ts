import type { Column, ForeignKey, SchemaModel, Table } from '../../src/model/schema.js';
import type { JoinPredicate, QueryShape, Workload } from '../../src/model/workload.js';

/** Small hand-built models for unit tests of the analyzers (no parser involved). */
export function col(name: string, type = 'integer', nullable = false): Column {
  return { name, type, nullable };
}

export function table(name: string, columns: Column[], primaryKey: string[] = ['id'], schema = 'public'): Table {
  return { schema, name, columns, primaryKey, uniqueKeys: [], checks: [], indexes: [] };
}

export function fk(from: string, fromCol: string, to: string, toCol = 'id', inferred = false): ForeignKey {
  return {
    name: `${from}_${fromCol}_fkey`,
    from: { schema: 'public', table: from, columns: [fromCol] },
    to: { schema: 'public', table: to, columns: [toCol] },
    onDelete: 'no action',
    onUpdate: 'no action',
    deferrable: false,
    initiallyDeferred: false,
    inferred,
  };
}

export function schemaOf(tables: Table[], foreignKeys: ForeignKey[] = []): SchemaModel {
  return { source: { kind: 'ddl', description: 'test' }, schemas: ['public'], tables, foreignKeys, views: [], sequences: [], enums: [], domains: [] };
}

export function join(a: string, b: string): JoinPredicate {
  const [lt, lc] = a.split('.') as [string, string];
  const [rt, rc] = b.split('.') as [string, string];
  return { left: { schema: 'public', table: lt, column: lc }, right: { schema: 'public', table: rt, column: rc }, operator: '=', via: 'on' };
}

export function query(id: string, calls: number, parts: { reads?: string[]; writes?: string[]; joins?: JoinPredicate[] }): QueryShape {
  const ref = (t: string) => ({ schema: 'public', name: t });
  return {
    id,
    sql: `-- ${id}`,
    kind: parts.writes?.length ? 'update' : 'select',
    calls,
    reads: (parts.reads ?? []).map(ref),
    writes: (parts.writes ?? []).map(ref),
    joins: parts.joins ?? [],
    parsed: true,
    sources: ['test'],
  };
}

export function workloadOf(queries: QueryShape[], transactions: Workload['transactions'] = []): Workload {
  return { queries, transactions, unparsed: queries.filter((q) => !q.parsed).length, sources: ['test'] };
}
