import type { Suggestion } from '../../analyzers/suggest/suggest.js';

/** What `dbsplit plan --auto` reports: the suggestion and what it was made from. */
export interface SuggestionReport {
  readonly suggestion: Suggestion;
  /** The schema's source, as the catalog reports show it (a masked URL or the DDL files). */
  readonly source: string;
  readonly tableCount: number;
  /** table key -> service, pins from the plan file and --pin. */
  readonly pins: ReadonlyMap<string, string>;
  readonly requestedServices?: number;
  /** The plan file written with --write. */
  readonly written?: string;
}

export interface ReasonRow {
  readonly table: string;
  readonly reason: string;
  readonly pinned: boolean;
}

/** Each service's tables with their one-line reasons, in table order. */
export function serviceRows(report: SuggestionReport, service: Suggestion['services'][number]): ReasonRow[] {
  const reasons = new Map(service.placements.map((p) => [p.table, p.reason] as const));
  return service.tables.map((table) => ({ table, reason: reasons.get(table) ?? '', pinned: report.pins.get(table) === service.name }));
}
