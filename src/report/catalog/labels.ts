import type { ColumnRef, ForeignKey } from '../../model/schema.js';

/** Short display names: `public.` is dropped, other schemas are kept. */
export function shortTable(schema: string, table: string): string {
  return schema === 'public' ? table : `${schema}.${table}`;
}

export function shortKey(key: string): string {
  return key.startsWith('public.') ? key.slice('public.'.length) : key;
}

export function shortColumn(c: ColumnRef): string {
  return `${shortTable(c.schema, c.table)}.${c.column}`;
}

export function fkLabel(fk: ForeignKey): string {
  return `${shortTable(fk.from.schema, fk.from.table)}(${fk.from.columns.join(', ')}) → ${shortTable(fk.to.schema, fk.to.table)}(${fk.to.columns.join(', ')})`;
}

export function fkActions(fk: ForeignKey): string {
  const parts: string[] = [];
  if (fk.onDelete !== 'no action') parts.push(`on delete ${fk.onDelete}`);
  if (fk.onUpdate !== 'no action') parts.push(`on update ${fk.onUpdate}`);
  if (fk.deferrable) parts.push(fk.initiallyDeferred ? 'deferred' : 'deferrable');
  return parts.join(', ');
}
