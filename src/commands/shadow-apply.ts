import type { Command } from 'commander';
import { ConfigError, PreconditionError, UsageError } from '../errors.js';
import { addFormatOption, resolveFormat } from './format.js';
import type { SetExitCode } from './index.js';
import type { Output } from './output.js';

export const SHADOW_APPLY_FORMATS = ['table', 'json'] as const;

interface ShadowApplyCliOptions {
  plan: string;
  group?: string;
  untilCaughtUp?: boolean;
  batchSize: string;
  format?: string;
  json?: boolean;
}

const PROGRESS_MS = 2000;

export function registerShadowApply(shadow: Command, output: Output, setExitCode: SetExitCode): void {
  const cmd = shadow
    .command('apply <service>')
    .description("with transport kafka: consume the service's change topics and apply them to its database, exactly once, in the foreground (stops on SIGTERM or SIGINT)")
    .option('--plan <file>', 'the plan', 'dbsplit.yaml')
    .option('--group <id>', 'Kafka consumer group (default dbsplit-<service>)')
    .option('--batch-size <n>', 'events per target transaction at most', '5000')
    .option('--until-caught-up', 'exit 0 once every partition reached the end it had at start');
  addFormatOption(cmd, SHADOW_APPLY_FORMATS, 'table');
  cmd.action(async (service: string, opts: ShadowApplyCliOptions) => {
    const format = resolveFormat(opts, SHADOW_APPLY_FORMATS);
    const batchSize = Number(opts.batchSize);
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new UsageError(`--batch-size must be a positive integer, got "${opts.batchSize}"`);
    const { loadPlanFile } = await import('../plan/load-plan.js');
    const { targetInfo } = await import('../provision/target.js');
    const { targetPlacement } = await import('../sync/target-tables.js');
    const { applyFromKafka } = await import('../sync/kafka/index.js');
    const report = await import('../sync/kafka/report.js');
    const plan = await loadPlanFile(opts.plan);
    const entry = plan.services[service];
    if (!entry) {
      throw new ConfigError('E_UNKNOWN_SERVICE', `unknown service "${service}" in ${opts.plan}`, `services in the plan: ${Object.keys(plan.services).sort().join(', ') || '(none)'}`);
    }
    const transport = plan.transport;
    if (transport?.kind !== 'kafka') {
      throw new PreconditionError(
        `the plan's transport is ${transport?.kind ?? 'direct'}: dbsplit shadow run applies the changes itself`,
        'set transport: { kind: kafka, brokers: [host:port], topicPrefix: dbsplit } in the plan to go through Kafka',
      );
    }
    const target = targetInfo(service, entry.target);
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    let applied = 0;
    let duplicates = 0;
    let last = { at: Date.now(), applied: 0 };
    try {
      const result = await applyFromKafka(
        {
          service,
          connection: { brokers: transport.brokers, clientId: transport.clientId },
          topicPrefix: transport.topicPrefix,
          targetUrl: target.url,
          placement: targetPlacement(plan, service),
          groupId: opts.group,
          untilCaughtUp: Boolean(opts.untilCaughtUp),
          maxBatchEvents: batchSize,
          signal: abort.signal,
          onLog: (entry) => {
            if (entry.level === 'error') output.err(output.style.dim(`kafka: ${entry.message}`) + '\n');
          },
        },
        {
          onStart: (info) => output.err(report.startLine(info) + '\n'),
          onBatch: (b) => {
            applied += b.applied;
            duplicates += b.duplicates;
            const now = Date.now();
            if (now - last.at < PROGRESS_MS) return;
            const rate = ((applied - last.applied) * 1000) / (now - last.at);
            last = { at: now, applied };
            output.err(report.progressLine(service, { applied, duplicates, rate }) + '\n');
          },
          onRetry: (n) => output.err(output.style.warn(report.retryLine(n)) + '\n'),
        },
      );
      output.out(format === 'json' ? JSON.stringify(report.resultJson(result), null, 2) + '\n' : report.resultText(result));
      setExitCode(0);
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  });
}
