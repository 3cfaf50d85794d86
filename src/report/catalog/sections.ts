import type { Catalog, Recommendation } from '../../model/catalog.js';
import { tableKey } from '../../model/schema.js';
import { formatBytes, formatCount, oneLineSql } from '../text-table.js';
import { fkActions, fkLabel, shortColumn, shortKey, shortTable } from './labels.js';

/**
 * The catalog as titled sections of rows, shared by the terminal and markdown reporters so the
 * two always say the same thing.
 */
export interface Section {
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Rows left out by --top. */
  readonly omitted: number;
  readonly right?: readonly number[];
  readonly note?: string;
  /** Severity for colouring the title: cross-boundary findings are warnings. */
  readonly tone?: 'normal' | 'warn';
}

export interface Summary {
  readonly source: string;
  readonly tables: number;
  readonly foreignKeys: number;
  readonly inferred: number;
  readonly queries: number;
  readonly unparsed: number;
  readonly joins: number;
  readonly calls: number;
}

export function summarize(c: Catalog): Summary {
  return {
    source: c.schema.source.description,
    tables: c.tables.length,
    foreignKeys: c.foreignKeys.length,
    inferred: c.foreignKeys.filter((f) => f.inferred).length,
    queries: c.queries.length,
    unparsed: c.unparsed.length,
    joins: c.joins.length,
    calls: c.queries.reduce((s, q) => s + q.calls, 0),
  };
}

function limit<T>(rows: readonly T[], top: number): { rows: T[]; omitted: number } {
  return top > 0 && rows.length > top ? { rows: rows.slice(0, top), omitted: rows.length - top } : { rows: [...rows], omitted: 0 };
}

export function catalogSections(c: Catalog, top: number): Section[] {
  const sections: Section[] = [];
  const fkOut = new Map<string, number>();
  const fkIn = new Map<string, number>();
  for (const fk of c.foreignKeys) {
    const from = tableKey({ schema: fk.from.schema, name: fk.from.table });
    const to = tableKey({ schema: fk.to.schema, name: fk.to.table });
    fkOut.set(from, (fkOut.get(from) ?? 0) + 1);
    fkIn.set(to, (fkIn.get(to) ?? 0) + 1);
  }
  const live = c.tables.some((t) => t.rowEstimate !== undefined);
  const tables = [...c.tables].sort((a, b) => (b.rowEstimate ?? 0) - (a.rowEstimate ?? 0) || tableKey(a).localeCompare(tableKey(b)));
  const t = limit(tables, top);
  sections.push({
    title: 'Tables',
    headers: live ? ['table', 'columns', 'primary key', 'rows (est.)', 'size', 'FKs out', 'FKs in'] : ['table', 'columns', 'primary key', 'FKs out', 'FKs in'],
    right: live ? [1, 3, 4, 5, 6] : [1, 3, 4],
    rows: t.rows.map((x) => {
      const key = tableKey(x);
      const base = [shortTable(x.schema, x.name), String(x.columns.length), x.primaryKey.join(', ') || '—'];
      const fk = [String(fkOut.get(key) ?? 0), String(fkIn.get(key) ?? 0)];
      return live ? [...base, x.rowEstimate !== undefined ? formatCount(x.rowEstimate) : '?', x.sizeBytes !== undefined ? formatBytes(x.sizeBytes) : '', ...fk] : [...base, ...fk];
    }),
    omitted: t.omitted,
  });

  const fks = limit(c.foreignKeys, top);
  sections.push({
    title: 'Foreign keys',
    headers: ['from → to', 'actions', 'kind'],
    rows: fks.rows.map((f) => [fkLabel(f), fkActions(f), f.inferred ? 'inferred' : 'declared']),
    omitted: fks.omitted,
  });

  sections.push({
    title: 'Hub tables (referenced by many)',
    headers: ['table', 'referencing tables', 'foreign keys'],
    right: [1, 2],
    rows: c.hubs.slice(0, top > 0 ? top : undefined).map((h) => [shortKey(h.table), String(h.referencingTables), String(h.referencedBy)]),
    omitted: top > 0 ? Math.max(0, c.hubs.length - top) : 0,
  });

  sections.push({
    title: 'Tables without a primary key',
    headers: ['table'],
    rows: c.tablesWithoutPrimaryKey.map((k) => [shortKey(k)]),
    omitted: 0,
    note: c.tablesWithoutPrimaryKey.length > 0 ? 'logical replication needs a primary key or REPLICA IDENTITY FULL on these' : undefined,
  } as Section);

  const joins = limit(c.joins, top);
  sections.push({
    title: 'Join graph',
    headers: ['left', 'right', 'calls', 'queries'],
    right: [2, 3],
    rows: joins.rows.map((j) => [shortColumn(j.left), shortColumn(j.right), formatCount(j.calls), String(j.queryIds.length)]),
    omitted: joins.omitted,
  });

  if (c.unparsed.length > 0) {
    const un = limit(c.unparsed, top);
    sections.push({
      title: 'Statements that did not parse',
      headers: ['statement', 'error'],
      rows: un.rows.map((q) => [oneLineSql(q.sql, 70), q.error ?? '']),
      omitted: un.omitted,
      tone: 'warn',
    });
  }

  const cb = c.crossBoundary;
  if (cb) {
    sections.push({
      title: 'Services',
      headers: ['service', 'tables'],
      right: [1],
      rows: cb.services.map((s) => [s.name, String(s.tables.length)]),
      omitted: 0,
    });
    const cfk = limit(cb.foreignKeys, top);
    sections.push({
      title: 'Cross-boundary foreign keys',
      headers: ['from service', 'to service', 'foreign key', 'kind', 'replace with', 'why'],
      rows: cfk.rows.map((x) => [x.fromService, x.toService, fkLabel(x.foreignKey), x.foreignKey.inferred ? 'inferred' : 'declared', replacementLabel(x.recommendation), x.recommendation.reason]),
      omitted: cfk.omitted,
      tone: 'warn',
    });
    const cj = limit(cb.joins, top);
    sections.push({
      title: 'Cross-boundary joins',
      headers: ['services', 'predicate', 'calls', 'queries', 'replace with', 'why'],
      right: [2, 3],
      rows: cj.rows.map((x) => [`${x.leftService} ⋈ ${x.rightService}`, `${shortColumn(x.join.left)} = ${shortColumn(x.join.right)}`, formatCount(x.join.calls), String(x.join.queryIds.length), replacementLabel(x.recommendation), x.recommendation.reason]),
      omitted: cj.omitted,
      tone: 'warn',
    });
    const mw = limit(cb.multiServiceWrites, top);
    sections.push({
      title: 'Writes spanning services',
      headers: ['kind', 'services', 'tables', 'calls', 'replace with'],
      right: [3],
      rows: mw.rows.map((w) => [w.kind, w.services.join(', '), w.tables.map(shortKey).join(', '), formatCount(w.calls), replacementLabel(w.recommendation)]),
      omitted: mw.omitted,
      tone: 'warn',
    });
    if (cb.unowned.length > 0) {
      sections.push({ title: 'Tables no service owns', headers: ['table'], rows: cb.unowned.map((k) => [shortKey(k)]), omitted: 0, tone: 'warn', note: 'assign them to a service, or list them under shared or unassigned' });
    }
    sections.push({
      title: 'Coupling between services',
      headers: ['services', 'FKs', 'joins', 'join calls', 'multi-service writes', 'score'],
      right: [1, 2, 3, 4, 5],
      rows: cb.coupling.map((p) => [`${p.a} ↔ ${p.b}`, String(p.foreignKeys), String(p.joins), formatCount(p.joinCalls), String(p.multiServiceWrites), p.score.toFixed(1)]),
      omitted: 0,
      note: 'score = 3·FKs + 1·joins + 2·log10(1 + join calls) + 5·multi-service writes',
    });
  }
  return sections;
}

export function replacementLabel(r: Recommendation): string {
  switch (r.kind) {
    case 'loose-foreign-key':
      return r.onOwnerDelete === 'delete' ? 'loose FK, cascading' : r.onOwnerDelete === 'nullify' ? 'loose FK, nullifying' : 'loose FK, kept';
    case 'plain-reference':
      return 'plain reference';
    case 'api-composition':
      return 'API composition';
    case 'cqrs-read-model':
      return 'CQRS read model';
    case 'bounded-duplication':
      return 'bounded duplication';
    case 'saga':
      return 'saga';
  }
}
