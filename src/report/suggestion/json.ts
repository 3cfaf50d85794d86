import { JSON_FORMAT_VERSION, VERSION } from '../../version.js';
import { serviceRows, type SuggestionReport } from './model.js';

/**
 * The suggestion's JSON contract (version 1): add fields freely, never rename or remove them
 * without bumping `version`.
 */
export function suggestionToJson(report: SuggestionReport): unknown {
  const s = report.suggestion;
  return {
    version: JSON_FORMAT_VERSION,
    dbsplit: VERSION,
    source: report.source,
    tables: report.tableCount,
    requestedServices: report.requestedServices ?? null,
    services: s.services.map((svc) => {
      const rows = serviceRows(report, svc);
      return {
        name: svc.name,
        tables: [...svc.tables],
        pinned: rows.filter((r) => r.pinned).map((r) => r.table),
        placements: rows.map((r) => ({ table: r.table, reason: r.reason, pinned: r.pinned })),
      };
    }),
    shared: s.shared.map((x) => ({ table: x.table, reason: x.reason })),
    unassigned: s.unassigned.map((x) => ({ table: x.table, reason: x.reason })),
    coupling: s.coupling,
    notes: s.notes ?? [],
    written: report.written ?? null,
  };
}

export function renderSuggestionJson(report: SuggestionReport): string {
  return JSON.stringify(suggestionToJson(report), null, 2) + '\n';
}
