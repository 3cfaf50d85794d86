/**
 * Names of the events a split relies on, written the same way everywhere:
 * `<owning service>.<table> <what happened> {<columns carried>}`.
 */

export function deletionEvent(service: string, table: string, keyColumns: readonly string[]): string {
  return `${service}.${table} deleted {${keyColumns.join(', ')}}`;
}

/** The change events of a table that keep a copy of some of its columns fresh. */
export function changeEvents(service: string, table: string, keyColumns: readonly string[], columns: readonly string[]): string[] {
  const carried = `{${columns.join(', ')}}`;
  return [`${service}.${table} created ${carried}`, `${service}.${table} updated ${carried}`, deletionEvent(service, table, keyColumns)];
}
