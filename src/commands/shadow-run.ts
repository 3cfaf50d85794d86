import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { RunShadowResult } from '../sync/stream/runner.js';
import { addFormatOption, resolveFormat } from './format.js';
import type { SetExitCode } from './index.js';
import type { Output } from './output.js';

export const SHADOW_RUN_FORMATS = ['table', 'json'] as const;

interface ShadowRunCliOptions {
  plan: string;
  url?: string;
  batchSize: string;
  batchMs: string;
  untilCaughtUp?: boolean;
  format?: string;
  json?: boolean;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

export interface ForegroundRun {
  readonly service: string;
  readonly plan: string;
  readonly url?: string | undefined;
  readonly batchSize?: number | undefined;
  readonly batchMs?: number | undefined;
  readonly untilCaughtUp?: boolean | undefined;
}

/**
 * Stream in the foreground until shadow stop, SIGTERM or SIGINT (or caught up), reporting on
 * stderr: shared by `shadow run` and `shadow start --follow`.
 */
export async function runInForeground(run: ForegroundRun, output: Output): Promise<RunShadowResult> {
  const { runShadow } = await import('../sync/stream/index.js');
  const report = await import('../sync/stream/report.js');
  // On a terminal the progress line is rewritten in place; in a log (systemd, CI) a line every 30 s.
  const tty = Boolean(process.stderr.isTTY);
  let lastLine = 0;
  let inPlace = false;
  const say = (line: string): void => {
    if (inPlace) output.err('\n');
    inPlace = false;
    output.err(line + '\n');
  };
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    const result = await runShadow(
      { service: run.service, planPath: run.plan, url: run.url, batchSize: run.batchSize, batchMs: run.batchMs, untilCaughtUp: Boolean(run.untilCaughtUp), signal: abort.signal },
      {
        onStart: (info) => say(report.startLine(info)),
        onProgress: (p) => {
          if (tty) {
            output.err('\r\x1b[2K' + report.progressLine(run.service, p));
            inPlace = true;
          } else if (Date.now() - lastLine >= 30_000) {
            lastLine = Date.now();
            say(report.progressLine(run.service, p));
          }
        },
        onRetry: (n) => say(output.style.warn(report.retryLine(n))),
        onBackfill: (e) => {
          const line = report.backfillLine(e);
          if (line) say(line);
        },
      },
    );
    if (inPlace) output.err('\n');
    return result;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

export function registerShadowRun(shadow: Command, output: Output, setExitCode: SetExitCode): void {
  const cmd = shadow
    .command('run <service>')
    .description("stream the monolith's changes to a service's tables into its database, in the foreground (for a worker or systemd); stops on shadow stop, SIGTERM or SIGINT")
    .option('--plan <file>', 'the plan', 'dbsplit.yaml')
    .option('--url <url>', "the monolith (default: the plan's monolith.url)")
    .option('--batch-size <n>', 'end a batch (one target transaction) at a transaction boundary once it holds this many changes', '5000')
    .option('--batch-ms <ms>', '... or once it is this many milliseconds old', '500')
    .option('--until-caught-up', 'exit 0 once everything the monolith had committed at start is applied');
  addFormatOption(cmd, SHADOW_RUN_FORMATS, 'table');
  cmd.action(async (service: string, opts: ShadowRunCliOptions) => {
    const format = resolveFormat(opts, SHADOW_RUN_FORMATS);
    const batchSize = positiveInt(opts.batchSize, '--batch-size');
    const batchMs = positiveInt(opts.batchMs, '--batch-ms');
    const result = await runInForeground({ service, plan: opts.plan, url: opts.url, batchSize, batchMs, untilCaughtUp: opts.untilCaughtUp }, output);
    const report = await import('../sync/stream/report.js');
    output.out(format === 'json' ? JSON.stringify(report.resultJson(result), null, 2) + '\n' : report.resultText(result));
    setExitCode(0);
  });
}
