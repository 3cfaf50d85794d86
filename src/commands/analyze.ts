import type { Command } from 'commander';
import { addFormatOption, collect, resolveFormat, splitSearchPath } from './format.js';
import type { SetExitCode } from './index.js';
import type { Output } from './output.js';

export const ANALYZE_FORMATS = ['table', 'json', 'markdown', 'mermaid', 'dot'] as const;

export interface AnalyzeOptions {
  url?: string;
  ddl?: string[];
  workload?: string[];
  plan?: string;
  searchPath?: string;
  infer: boolean;
  format?: string;
  json?: boolean;
  top?: string;
}

export function registerAnalyze(program: Command, output: Output, setExitCode: SetExitCode): void {
  const cmd = program
    .command('analyze')
    .description('catalog the schema and workload: tables, foreign keys, hubs, joins; with --plan, everything that crosses a service boundary')
    .option('--url <url>', 'introspect a live database (postgres://user:password@host/db; ${ENV} works in plan files)')
    .option('--ddl <files...>', 'read the schema from DDL files or globs (pg_dump --schema-only output, migration scripts)')
    .option('--workload <source>', 'a workload source: pg_stat_statements (of --url), a .sql file, a server log (.log, .csv); repeatable', collect)
    .option('--plan <file>', 'a plan (dbsplit.yaml) whose services define the boundaries')
    .option('--search-path <schemas>', 'schemas for unqualified names in DDL and queries, comma-separated (default: public)')
    .option('--no-infer', 'do not infer foreign keys from column names (x_id -> xs.id)')
    .option('--top <n>', 'rows per section in the table format', '20');
  addFormatOption(cmd, ANALYZE_FORMATS, 'table');
  cmd.action(async (opts: AnalyzeOptions) => {
    const format = resolveFormat(opts, ANALYZE_FORMATS);
    const { runAnalyze } = await import('../analyzers/analyze.js');
    const { renderCatalog } = await import('../report/catalog/index.js');
    const catalog = await runAnalyze({
      url: opts.url,
      ddl: opts.ddl,
      workload: opts.workload ?? [],
      planFile: opts.plan,
      searchPath: splitSearchPath(opts.searchPath),
      infer: opts.infer,
    });
    output.out(renderCatalog(catalog, format, { style: output.style, top: Number(opts.top ?? 20) }));
    setExitCode(0);
  });
}
