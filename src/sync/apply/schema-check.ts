import { SyncFailure } from './errors.js';
import type { TargetTableInfo } from './table-info.js';

/** A column of a published table as the monolith describes it (pgoutput's Relation message). */
export interface SourceColumn {
  readonly name: string;
  readonly typeOid: number;
  readonly typmod: number;
  /** Type name for user-defined types (pgoutput's Type message); built-in types are matched by oid. */
  readonly typeName?: string;
}

/** Built-in types have the same oids on every server; user-defined ones (enums, domains) do not. */
const FIRST_NORMAL_OID = 16384;

function describeType(c: SourceColumn): string {
  return c.typeName ?? `oid ${c.typeOid}`;
}

/**
 * The differences between a monolith table's columns and its target table's, in words; empty
 * when they match. Generated columns of the target are left out (pgoutput does not send them).
 */
export function columnDifferences(source: readonly SourceColumn[], target: TargetTableInfo, typeNames: ReadonlyMap<number, string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const c of source) {
    seen.add(c.name);
    const t = target.columns.get(c.name);
    if (!t) {
      out.push(`column ${c.name} added (${typeNames.get(c.typeOid) ?? describeType(c)})`);
      continue;
    }
    const sameType =
      c.typeOid < FIRST_NORMAL_OID ? c.typeOid === t.typeOid || c.typeOid === t.baseTypeOid : c.typeName === t.typeName || c.typeName === t.baseTypeName;
    // A domain column's typmod is the domain's (-1), not its base type's.
    const typmodKnown = (c.typmod >= 0 || t.typmod >= 0) && t.baseTypeOid === t.typeOid;
    if (!sameType || (typmodKnown && c.typmod !== t.typmod)) {
      const from = t.typeSql;
      const to = typeNames.get(c.typeOid) ?? describeType(c);
      out.push(`column ${c.name} changed type (the service has ${from}, the monolith now ${to}${c.typmod >= 0 && sameType ? ` with typmod ${c.typmod}` : ''})`);
    }
  }
  for (const t of target.columns.values()) {
    if (!seen.has(t.name) && !t.generated) out.push(`column ${t.name} dropped`);
  }
  return out;
}

export function schemaChanged(service: string, sourceTable: string, differences: readonly string[]): SyncFailure {
  return new SyncFailure(`table ${sourceTable} changed on the monolith: ${differences.join(', ')}; stopped before applying anything after the change, nothing is lost`, {
    retryable: false,
    code: 'E_SCHEMA_CHANGED',
    hint: `run dbsplit generate and apply the change to the schema of ${service} (e.g. a new knex migration), then dbsplit shadow run ${service}`,
  });
}
