import type { Styles } from '../commands/output.js';
import { renderTable } from '../report/text-table.js';
import { JSON_FORMAT_VERSION, VERSION } from '../version.js';
import type { GenerateResult } from './generate.js';

/** What `dbsplit generate` prints: per service, its tables, removed foreign keys and files. */

export type GenerateFormat = 'table' | 'json';

/** The JSON contract (version 1): add fields freely, never rename or remove them without bumping `version`. */
export function generateSummaryJson(result: GenerateResult): unknown {
  return {
    version: JSON_FORMAT_VERSION,
    dbsplit: VERSION,
    plan: result.planFile,
    outDir: result.outDir,
    replaced: result.replaced,
    removedForeignFiles: [...result.removedForeign],
    services: result.services.map((s) => ({
      name: s.name,
      isolation: s.isolation,
      schema: s.schema ?? null,
      tables: [...s.tables],
      sharedCopies: [...s.sharedCopies],
      removedForeignKeys: [...s.removedForeignKeys],
      referenceIndexes: s.referenceIndexes,
      files: [...s.files],
    })),
    files: result.files.map((f) => f.path),
  };
}

export function renderGenerateSummary(result: GenerateResult, format: GenerateFormat, style: Styles): string {
  if (format === 'json') return JSON.stringify(generateSummaryJson(result), null, 2) + '\n';
  const out = dirLabel(result.outDir);
  const lines = [
    `${style.bold('dbsplit generate')}: ${result.services.length} services, ${result.files.length} files in ${out}` +
      (result.replaced ? style.dim(' (previous output replaced)') : ''),
    '',
  ];
  const rows = result.services.map((s) => [
    s.name,
    s.isolation === 'schema' ? `schema ${s.schema ?? s.name}` : 'database',
    String(s.tables.length),
    s.sharedCopies.length > 0 ? s.sharedCopies.join(', ') : '-',
    String(s.removedForeignKeys.length),
    String(s.files.length),
  ]);
  lines.push(renderTable(['service', 'isolation', 'tables', 'shared copies', 'removed FKs', 'files'], rows, { right: [2, 4, 5], headerStyle: style.dim }).trimEnd());
  if (result.removedForeign.length > 0) {
    lines.push('', style.warn(`--force removed ${result.removedForeign.length} file(s) dbsplit had not written: ${result.removedForeign.slice(0, 5).join(', ')}${result.removedForeign.length > 5 ? ', ...' : ''}`));
  }
  const top = result.files.filter((f) => !f.path.includes('/')).map((f) => f.path);
  const perService = [...new Set(result.files.filter((f) => f.path.includes('/')).map((f) => {
    const parts = f.path.split('/');
    return parts.length > 2 ? `${parts[1]}/` : parts[1]!;
  }))].sort();
  lines.push(
    '',
    `In ${out}<service>/: ${perService.join(', ')}${top.length > 0 ? `; in ${out}: ${top.join(', ')}` : ''}.`,
    `Next: dbsplit provision <service> creates the service's database (or schema) and runs its migrations.`,
  );
  return lines.join('\n') + '\n';
}

function dirLabel(dir: string): string {
  return dir.endsWith('/') ? dir : dir + '/';
}
