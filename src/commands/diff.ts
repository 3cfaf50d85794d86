import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { addFormatOption, resolveFormat } from './format.js';
import type { SetExitCode } from './index.js';
import type { Output } from './output.js';

export const DIFF_COMMAND_FORMATS = ['table', 'json', 'markdown', 'junit'] as const;

interface DiffCliOptions {
  plan: string;
  url?: string;
  table?: string;
  jobs: string;
  settleTimeout: string;
  settle: boolean;
  maxDifferences: string;
  leafRows: string;
  record: boolean;
  fix?: boolean;
  dryRun?: boolean;
  format?: string;
  json?: boolean;
}

function positiveInt(value: string, flag: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer of at least ${min}, got "${value}"`);
  return n;
}

export function registerDiff(program: Command, output: Output, setExitCode: SetExitCode): void {
  const cmd = program
    .command('diff <service>')
    .description("compare the service's tables between the monolith and its database (checksum bisection); exit 0 clean, 1 different, 2 error")
    .option('--plan <file>', 'the plan', 'dbsplit.yaml')
    .option('--url <url>', "the monolith (default: the plan's monolith.url)")
    .option('--table <table>', 'only this table (schema.table, or the name alone when unambiguous)')
    .option('--jobs <n>', 'queries in flight on each database', '2')
    .option('--settle-timeout <seconds>', 'while sync runs: how long to wait for it to catch up before re-checking differences', '60')
    .option('--no-settle', 'report differences as first seen, without waiting for sync to catch up')
    .option('--max-differences <n>', 'differences listed (and fixable) per table; counts stay exact beyond it', '10000')
    .addOption(new Option('--leaf-rows <n>', 'rows per side under which a mismatching segment is fetched and compared').default('2000').hideHelp())
    .option('--no-record', 'do not record the run in _dbsplit.diff_runs (a read-only monolith user)')
    .option('--fix', 'make the service database equal the monolith for the rows found (only in phase shadowing)')
    .option('--dry-run', 'with --fix: print the SQL, change nothing');
  addFormatOption(cmd, DIFF_COMMAND_FORMATS, 'table');
  cmd.action(async (service: string, opts: DiffCliOptions) => {
    const format = resolveFormat(opts, DIFF_COMMAND_FORMATS);
    if (opts.dryRun && !opts.fix) throw new UsageError('--dry-run goes with --fix', 'dbsplit diff changes nothing by itself; --fix --dry-run prints the SQL that would repair the differences');
    const jobs = positiveInt(opts.jobs, '--jobs');
    const settleTimeoutMs = positiveInt(opts.settleTimeout, '--settle-timeout', 0) * 1000;
    const maxDetails = positiveInt(opts.maxDifferences, '--max-differences', 0);
    const leafRows = positiveInt(opts.leafRows, '--leaf-rows', 10);
    const { diffService } = await import('../diff/index.js');
    const { renderDiff, diffExitCode } = await import('../report/diff/index.js');
    const { diffProgress } = await import('../report/diff/progress.js');
    const progress = diffProgress((t) => output.err(t), { tty: Boolean(process.stderr.isTTY), columns: process.stderr.columns });
    const { result, fix } = await diffService({
      planPath: opts.plan,
      service,
      url: opts.url,
      table: opts.table,
      jobs,
      leafRows,
      maxDetails,
      settle: opts.settle,
      settleTimeoutMs,
      record: opts.record,
      fix: opts.fix ? (opts.dryRun ? 'dry-run' : 'apply') : undefined,
      events: progress.onEvent,
    });
    progress.finish();
    output.out(renderDiff({ result, fix }, format, output.style));
    setExitCode(diffExitCode(result));
  });
}
