import { stringify } from 'yaml';

/**
 * The demo's dbsplit.yaml, written from the sample monolith's intended domains. The monolith
 * URL is left as ${DBSPLIT_DEMO_URL} so the file holds no password.
 */
export interface Domains {
  readonly domains: Readonly<Record<string, readonly string[]>>;
  readonly reference?: readonly string[];
}

export function demoPlanYaml(domains: Domains, options: { searchPath?: readonly string[] } = {}): string {
  const services: Record<string, { tables: string[] }> = {};
  for (const [name, tables] of Object.entries(domains.domains)) services[name] = { tables: [...tables] };
  const doc = {
    version: 1,
    monolith: { url: '${DBSPLIT_DEMO_URL}', searchPath: [...(options.searchPath ?? ['public'])] },
    workload: ['pg_stat_statements'],
    services,
    shared: [...(domains.reference ?? [])],
  };
  return '# Written by `dbsplit demo` from fixtures/monolith-schema/domains.json.\n' + stringify(doc);
}
