import type { Catalog, JoinEdge } from '../../model/catalog.js';
import { tableKey, type ForeignKey } from '../../model/schema.js';
import { JSON_FORMAT_VERSION, VERSION } from '../../version.js';

/**
 * The catalog's JSON contract (version 1). Later tooling relies on these field names; add
 * fields freely, never rename or remove them without bumping `version`.
 */
export function catalogToJson(catalog: Catalog): unknown {
  const fk = (f: ForeignKey) => ({
    name: f.name,
    from: { schema: f.from.schema, table: f.from.table, columns: f.from.columns },
    to: { schema: f.to.schema, table: f.to.table, columns: f.to.columns },
    inferred: f.inferred,
    onDelete: f.onDelete,
    onUpdate: f.onUpdate,
    deferrable: f.deferrable,
  });
  const join = (j: JoinEdge) => ({ left: j.left, right: j.right, calls: j.calls, queryIds: j.queryIds });
  const cb = catalog.crossBoundary;
  return {
    version: JSON_FORMAT_VERSION,
    dbsplit: VERSION,
    source: catalog.schema.source,
    tables: catalog.tables.map((t) => ({
      schema: t.schema,
      name: t.name,
      columns: t.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })),
      primaryKey: t.primaryKey,
      ...(t.rowEstimate !== undefined ? { rowEstimate: t.rowEstimate } : {}),
      ...(t.sizeBytes !== undefined ? { sizeBytes: t.sizeBytes } : {}),
      ...(t.partitions && t.partitions.length > 0 ? { partitions: t.partitions } : {}),
    })),
    foreignKeys: catalog.foreignKeys.map(fk),
    views: catalog.schema.views.map((v) => ({ schema: v.schema, name: v.name, materialized: v.materialized, reads: v.reads.map((r) => tableKey(r)) })),
    queries: catalog.queries.map((q) => ({
      id: q.id,
      sql: q.sql,
      kind: q.kind,
      calls: q.calls,
      ...(q.totalTimeMs !== undefined ? { totalTimeMs: q.totalTimeMs } : {}),
      reads: q.reads.map((r) => tableKey(r)),
      writes: q.writes.map((r) => tableKey(r)),
      parsed: q.parsed,
      ...(q.error ? { error: q.error } : {}),
    })),
    joins: catalog.joins.map(join),
    hubs: catalog.hubs,
    tablesWithoutPrimaryKey: catalog.tablesWithoutPrimaryKey,
    unparsed: catalog.unparsed.length,
    crossBoundary: cb
      ? {
          services: cb.services,
          foreignKeys: cb.foreignKeys.map((x) => ({ ...fk(x.foreignKey), fromService: x.fromService, toService: x.toService, recommendation: x.recommendation })),
          joins: cb.joins.map((x) => ({ ...join(x.join), leftService: x.leftService, rightService: x.rightService, recommendation: x.recommendation })),
          multiServiceWrites: cb.multiServiceWrites,
          unowned: cb.unowned,
          shared: cb.shared,
          unassigned: cb.unassigned,
          coupling: cb.coupling,
        }
      : null,
  };
}

export function renderCatalogJson(catalog: Catalog): string {
  return JSON.stringify(catalogToJson(catalog), null, 2) + '\n';
}
