import type { SchemaModel } from '../../model/schema.js';
import type { SequenceReference } from './references-model.js';

/**
 * Every sequence (serial, identity, OWNED BY, or named in a nextval() default) behind the
 * service's tables, with the monolith's current value when the schema was read live.
 */

export const SEQUENCE_NOTE =
  "started above the monolith's value at generation; the monolith keeps allocating until write cutover, so it must be synced again then (dbsplit cutover does this)";

function nextvalTarget(defaultSql: string | undefined): { schema?: string; name: string } | undefined {
  const m = /nextval\(\s*'([^']+)'/i.exec(defaultSql ?? '');
  if (!m) return undefined;
  const parts = m[1]!.replace(/"/g, '').split('.');
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { name: parts[0]! };
}

export function sequencesOf(tables: readonly string[], schema: SchemaModel): SequenceReference[] {
  const owned = new Set(tables);
  const out: SequenceReference[] = [];
  const covered = new Set<string>();
  for (const seq of schema.sequences) {
    const by = seq.ownedBy;
    if (!by || !owned.has(`${by.schema}.${by.table}`)) continue;
    covered.add(`${by.schema}.${by.table}.${by.column}`);
    out.push({
      sequence: `${seq.schema}.${seq.name}`,
      table: `${by.schema}.${by.table}`,
      column: by.column,
      ...(seq.type ? { type: seq.type } : {}),
      monolithValue: seq.lastValue ?? null,
      note: SEQUENCE_NOTE,
    });
  }
  for (const t of schema.tables) {
    const key = `${t.schema}.${t.name}`;
    if (!owned.has(key)) continue;
    for (const c of t.columns) {
      if (covered.has(`${key}.${c.name}`)) continue;
      const target = nextvalTarget(c.default);
      if (target) {
        const seq = schema.sequences.find((s) => s.name === target.name && (target.schema === undefined ? s.schema === t.schema || s.schema === 'public' : s.schema === target.schema));
        out.push({
          sequence: seq ? `${seq.schema}.${seq.name}` : `${target.schema ?? t.schema}.${target.name}`,
          table: key,
          column: c.name,
          ...(seq?.type ? { type: seq.type } : {}),
          monolithValue: seq?.lastValue ?? null,
          note: SEQUENCE_NOTE,
        });
      } else if (c.identity) {
        out.push({ table: key, column: c.name, type: c.type, monolithValue: null, note: SEQUENCE_NOTE });
      }
    }
  }
  return out.sort((a, b) => a.table.localeCompare(b.table) || a.column.localeCompare(b.column));
}
