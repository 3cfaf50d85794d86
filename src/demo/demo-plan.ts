import { stringify } from 'yaml';
import type { Suggestion } from '../analyzers/suggest/suggest.js';

/**
 * The demo's dbsplit.yaml, written from dbsplit's own suggestion for the sample monolith. Each
 * service gets a database of its own on the demo's server; the password stays in the
 * environment (${DBSPLIT_DEMO_PASSWORD}), never in the file.
 */
export const DEMO_URL_VAR = 'DBSPLIT_DEMO_URL';
export const DEMO_PASSWORD_VAR = 'DBSPLIT_DEMO_PASSWORD';

export function demoPlanYaml(suggestion: Suggestion, server: { user: string; port: number }): string {
  const short = (key: string) => (key.startsWith('public.') ? key.slice('public.'.length) : key);
  const services: Record<string, unknown> = {};
  for (const s of suggestion.services) {
    services[s.name] = {
      tables: s.tables.map(short),
      target: { url: `postgres://${server.user}:\${${DEMO_PASSWORD_VAR}}@127.0.0.1:${server.port}/svc_${s.name}`, isolation: 'database' },
    };
  }
  const doc = {
    version: 1,
    monolith: { url: `\${${DEMO_URL_VAR}}` },
    workload: ['pg_stat_statements'],
    services,
    shared: suggestion.shared.map((t) => short(t.table)),
    unassigned: suggestion.unassigned.map((t) => short(t.table)),
  };
  return '# Written by `dbsplit demo` from `dbsplit plan --auto` on the sample monolith.\n' + stringify(doc);
}
