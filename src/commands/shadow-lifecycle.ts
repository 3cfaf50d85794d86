import type { Command } from 'commander';
import { DbsplitError, UsageError } from '../errors.js';
import { addFormatOption, resolveFormat } from './format.js';
import type { SetExitCode } from './index.js';
import type { Output } from './output.js';

/** `dbsplit shadow start | status | stop | cancel`. `run` and `apply` live in their own files. */

export const LIFECYCLE_FORMATS = ['table', 'json'] as const;

interface CommonOptions {
  plan: string;
  url?: string;
  format?: string;
  json?: boolean;
}

function positiveInt(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a positive whole number, got "${value}"`);
  return n;
}

function common(cmd: Command): Command {
  cmd.option('--plan <file>', 'the plan', 'dbsplit.yaml').option('--url <url>', "the monolith (default: the plan's monolith.url)");
  return addFormatOption(cmd, LIFECYCLE_FORMATS, 'table');
}

function registerStart(shadow: Command, output: Output, setExitCode: SetExitCode): void {
  const cmd = shadow
    .command('start <service>')
    .description('check the preconditions, create the publication and the replication slot, and copy the tables into the target inside the slot\'s snapshot (run again: copies what is not done)')
    .option('--jobs <n>', 'tables copied in parallel', '4')
    .option('--table <table>', 're-copy one table (schema.table) of a started service, in a fresh snapshot')
    .option('--dry-run', 'print what would be created and copied, and change nothing')
    .option('--follow', 'then stream changes in the foreground, as shadow run does (until shadow stop, SIGTERM or SIGINT)')
    .option('--until-caught-up', 'with --follow: exit 0 once everything the monolith had committed is applied');
  common(cmd).action(async (service: string, opts: CommonOptions & { jobs: string; table?: string; dryRun?: boolean; follow?: boolean; untilCaughtUp?: boolean }) => {
    const format = resolveFormat(opts, LIFECYCLE_FORMATS);
    const jobs = positiveInt(opts.jobs, '--jobs');
    if (opts.follow && opts.dryRun) throw new UsageError('--follow cannot go with --dry-run', 'a dry run creates no slot to stream from; drop one of them');
    if (opts.untilCaughtUp && !opts.follow) throw new UsageError('--until-caught-up goes with --follow', 'or run dbsplit shadow run --until-caught-up');
    const { startShadow } = await import('../sync/lifecycle.js');
    const { renderStart, backfillListener } = await import('../sync/lifecycle/render.js');
    const { ProgressBoard } = await import('../report/progress.js');
    const board = new ProgressBoard((t) => output.err(t), { tty: Boolean(process.stderr.isTTY), columns: process.stderr.columns });
    const result = await startShadow({ planPath: opts.plan, service, url: opts.url, jobs, table: opts.table, dryRun: Boolean(opts.dryRun), onEvent: backfillListener(board) });
    board.finish();
    if (!opts.follow) {
      output.out(renderStart(result, format, output.style));
      setExitCode(0);
      return;
    }
    // The start's report goes first (stderr when stdout must stay one JSON document).
    if (format === 'table') output.out(renderStart(result, format, output.style));
    const { runInForeground } = await import('./shadow-run.js');
    const run = await runInForeground({ service, plan: opts.plan, url: opts.url, untilCaughtUp: opts.untilCaughtUp }, output);
    const report = await import('../sync/stream/report.js');
    if (format === 'json') {
      const { startJson } = await import('../sync/lifecycle/render.js');
      output.out(JSON.stringify({ ...(startJson(result) as object), run: report.resultJson(run) }, null, 2) + '\n');
    } else {
      output.out(report.resultText(run));
    }
    setExitCode(0);
  });
}

function registerStatus(shadow: Command, output: Output, setExitCode: SetExitCode): void {
  const cmd = shadow
    .command('status [service]')
    .description('per service: phase, backfill, the slot and the WAL it retains, lag, the runner\'s heartbeat and last error; warns about slots nobody reads')
    .option('--max-retained-wal <size>', 'warn when a slot retains more WAL than this (e.g. 512MB, 2GB)', '1GB')
    .option('--check', 'exit 1 when there is any warning (for monitoring and CI)');
  common(cmd).action(async (service: string | undefined, opts: CommonOptions & { maxRetainedWal: string; check?: boolean }) => {
    const format = resolveFormat(opts, LIFECYCLE_FORMATS);
    const { shadowStatus, parseByteSize } = await import('../sync/status.js');
    const { renderStatus } = await import('../sync/lifecycle/render-status.js');
    const max = parseByteSize(opts.maxRetainedWal);
    if (max === undefined) throw new UsageError(`--max-retained-wal: cannot read "${opts.maxRetainedWal}" as a size`, 'write it like 512MB or 2GB');
    const result = await shadowStatus({ planPath: opts.plan, service, url: opts.url, maxRetainedWalBytes: max });
    output.out(renderStatus(result, format, output.style));
    setExitCode(opts.check && result.warnings.length > 0 ? 1 : 0);
  });
}

function registerStop(shadow: Command, output: Output, setExitCode: SetExitCode): void {
  const cmd = shadow
    .command('stop <service>')
    .description('ask the runner to stop and wait for it; the slot is kept (the monolith retains WAL for it until shadow run resumes)')
    .option('--timeout <seconds>', 'how long to wait for the runner to let go of the slot', '30');
  common(cmd).action(async (service: string, opts: CommonOptions & { timeout: string }) => {
    const format = resolveFormat(opts, LIFECYCLE_FORMATS);
    const timeout = Number(opts.timeout);
    if (!Number.isFinite(timeout) || timeout < 0) throw new UsageError(`--timeout must be a number of seconds, got "${opts.timeout}"`);
    const { stopShadow } = await import('../sync/lifecycle.js');
    const { renderStop } = await import('../sync/lifecycle/render.js');
    const result = await stopShadow({ planPath: opts.plan, service, url: opts.url, timeoutMs: timeout * 1000 });
    output.out(renderStop(result, format, output.style));
    setExitCode(result.stopped ? 0 : 1);
  });
}

async function confirmCancel(service: string): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: `Drop the replication slot and publication of ${service} (the target's data stays)?`, default: false });
}

function registerCancel(shadow: Command, output: Output, setExitCode: SetExitCode): void {
  const cmd = shadow
    .command('cancel <service>')
    .description('drop the slot and publication, forget the sync state, and move the phase back to provisioned; the target\'s data is left alone')
    .option('--dry-run', 'print the SQL that would run, and change nothing')
    .option('--yes', 'do not ask for confirmation (required when stdin is not a terminal)');
  common(cmd).action(async (service: string, opts: CommonOptions & { dryRun?: boolean; yes?: boolean }) => {
    const format = resolveFormat(opts, LIFECYCLE_FORMATS);
    const dryRun = Boolean(opts.dryRun);
    if (!dryRun && !opts.yes && !process.stdin.isTTY) {
      throw new DbsplitError('E_NO_TTY', `dbsplit shadow cancel ${service} drops a replication slot and a publication, and stdin is not a terminal to confirm`, { hint: 'pass --yes to confirm, or --dry-run to see what it would do' });
    }
    const { cancelShadow } = await import('../sync/lifecycle.js');
    const { renderCancel } = await import('../sync/lifecycle/render.js');
    if (!dryRun && !opts.yes) {
      // Show what would go before asking.
      const preview = await cancelShadow({ planPath: opts.plan, service, url: opts.url, dryRun: true });
      if (preview.nothingToDo) {
        output.out(renderCancel(preview, format, output.style));
        setExitCode(0);
        return;
      }
      output.err(renderCancel(preview, 'table', output.style));
      if (!(await confirmCancel(service))) {
        output.err('cancelled nothing.\n');
        setExitCode(1);
        return;
      }
    }
    const result = await cancelShadow({ planPath: opts.plan, service, url: opts.url, dryRun });
    output.out(renderCancel(result, format, output.style));
    setExitCode(0);
  });
}

export function registerShadowLifecycle(shadow: Command, output: Output, setExitCode: SetExitCode): void {
  registerStart(shadow, output, setExitCode);
  registerStatus(shadow, output, setExitCode);
  registerStop(shadow, output, setExitCode);
  registerCancel(shadow, output, setExitCode);
}
