import type pg from 'pg';
import { connect } from '../../db/connect.js';
import { PreconditionError, type DbsplitError } from '../../errors.js';
import { TargetApplier, isRetryable } from '../apply/index.js';
import { asSyncFailure, isConnectionLoss, isUniquenessViolation, messageOf, SyncFailure, type SyncSide } from '../apply/errors.js';
import { formatLsn, parseLsn } from '../apply/lsn.js';
import type { BackfillEvent } from '../backfill/events.js';
import { runnerActiveError, tryRunnerLock } from '../lifecycle/runner-lock.js';
import { readSyncStates } from '../lifecycle/sync-state.js';
import type { SyncService } from '../source/service-tables.js';
import { backoffDelay, sleep } from './backoff.js';
import { announceRunner, clearRunner, currentWalLsn, heartbeat, recordError, requireShadowing } from './control.js';
import { kafkaTransportOf, openKafkaSink, type KafkaSink, type KafkaTransport } from './kafka-sink.js';
import { ReplicationReader } from './replication-reader.js';
import { StreamProcessor } from './stream-processor.js';

/**
 * `dbsplit shadow run <service>`: stream the monolith's changes of the service's tables into
 * its database until stopped (`shadow stop`, SIGTERM) or, with `untilCaughtUp`, until the
 * target holds everything the monolith had committed when the runner started.
 *
 * Each attempt ("session") opens the target (taking the service's runner lock there), checks
 * the phase, finishes any interrupted backfill, reads the target's position and streams from
 * it. A lost connection on either side ends the session; the runner waits (exponential
 * backoff, capped, with jitter) and starts another from the target's position: whatever was
 * not committed there is streamed again, whatever was is skipped.
 */

export interface RunShadowOptions {
  readonly service: string;
  /** The plan file (dbsplit.yaml). */
  readonly planPath: string;
  /** The monolith (overrides the plan's monolith.url). */
  readonly url?: string | undefined;
  /** The service as loadSyncService resolved it (saves introspecting the monolith again). */
  readonly syncService?: SyncService | undefined;
  /** A batch ends at a transaction boundary once it holds this many changes (default 5000). */
  readonly batchSize?: number | undefined;
  /** ... or once it is this old (ms, default 500). */
  readonly batchMs?: number | undefined;
  /** Return once the target has applied everything up to the monolith's WAL position at start. */
  readonly untilCaughtUp?: boolean | undefined;
  /** Abort (SIGTERM/SIGINT): the current batch is finished or rolled back, then the runner returns. */
  readonly signal?: AbortSignal | undefined;
  /** Heartbeat and progress interval (ms, default 2000). */
  readonly heartbeatMs?: number | undefined;
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number } | undefined;
  /** Set-based statements for runs of same-table changes (default true). */
  readonly combine?: boolean | undefined;
  /** How long to wait for the runner lock held by a process that is going away (ms, default 10000). */
  readonly lockWaitMs?: number | undefined;
  /** Parallel copies when an interrupted backfill is finished first. */
  readonly backfillJobs?: number | undefined;
  /** Transport kafka: publisher settings some brokers need (KafkaPublisherOptions). */
  readonly kafka?: { readonly maxRecordsPerPartitionRequest?: number } | undefined;
}

export interface RunProgress {
  /** Changes applied by this run. */
  readonly appliedChanges: number;
  /** Changes per second since the last progress report. */
  readonly rate: number;
  /** Seconds between the monolith's commit of the last applied transaction and now; 0 when caught up. */
  readonly lagSeconds: number | null;
  readonly appliedLsn: string;
  readonly caughtUp: boolean;
}

export interface RetryNotice {
  readonly side: SyncSide;
  /** The connection was lost or refused (else: a transient condition such as the slot still held by a closing connection). */
  readonly unreachable: boolean;
  readonly message: string;
  readonly delayMs: number;
  readonly attempt: number;
}

export interface RunShadowEvents {
  onStart?(info: { readonly service: string; readonly fromLsn: string; readonly untilLsn: string | null; readonly attempt: number }): void;
  onBackfill?(event: BackfillEvent): void;
  onProgress?(progress: RunProgress): void;
  onRetry?(notice: RetryNotice): void;
}

export interface RunShadowResult {
  readonly service: string;
  /** stopped: `shadow stop`; caught-up: untilCaughtUp reached; signal: aborted. */
  readonly reason: 'stopped' | 'caught-up' | 'signal';
  readonly appliedChanges: number;
  readonly appliedLsn: string | null;
  readonly retries: number;
  readonly skippedBySnapshot: number;
  /** Transactions the monolith streamed again that the target already had (skipped by its position). */
  readonly alreadyApplied: number;
  readonly missingRows: number;
  readonly elapsedMs: number;
}

type SessionEnd = 'stopped' | 'caught-up' | 'signal';

interface RunContext {
  readonly options: RunShadowOptions;
  readonly events: RunShadowEvents;
  svc: SyncService | undefined;
  announced: boolean;
  untilLsn: bigint | undefined;
  appliedChanges: number;
  /** Reported to sync_state by heartbeats so far. */
  reportedChanges: number;
  appliedLsn: bigint | undefined;
  skipped: number;
  alreadyApplied: number;
  missingRows: number;
  attempt: number;
  /** One statement per change until the target passes this LSN (after a set-based statement tripped a unique constraint). */
  safeUntil: bigint | undefined;
  /** Where the last session failed, if it did. */
  failedAt: bigint | undefined;
  kafka: KafkaTransport | undefined;
}

export async function runShadow(options: RunShadowOptions, events: RunShadowEvents = {}): Promise<RunShadowResult> {
  const started = Date.now();
  const ctx: RunContext = {
    options,
    events,
    svc: options.syncService,
    announced: false,
    untilLsn: undefined,
    appliedChanges: 0,
    reportedChanges: 0,
    appliedLsn: undefined,
    skipped: 0,
    alreadyApplied: 0,
    missingRows: 0,
    attempt: 0,
    safeUntil: undefined,
    failedAt: undefined,
    kafka: undefined,
  };
  const initialMs = options.retry?.initialMs ?? 1000;
  const maxMs = options.retry?.maxMs ?? 30_000;
  let retries = 0;
  let failures = 0;
  const result = (reason: SessionEnd): RunShadowResult => ({
    service: options.service,
    reason,
    appliedChanges: ctx.appliedChanges,
    appliedLsn: ctx.appliedLsn === undefined ? null : formatLsn(ctx.appliedLsn),
    retries,
    skippedBySnapshot: ctx.skipped,
    alreadyApplied: ctx.alreadyApplied,
    missingRows: ctx.missingRows,
    elapsedMs: Date.now() - started,
  });
  for (;;) {
    if (options.signal?.aborted) return result('signal');
    const appliedBefore = ctx.appliedChanges;
    const sessionStart = Date.now();
    try {
      ctx.attempt = retries;
      return result(await runSession(ctx));
    } catch (e) {
      // Set-based statements change rows in another order than the monolith did, which can trip
      // a unique constraint for a moment (two rows swapping values): redo that stretch one
      // change at a time. A violation then is real.
      if (isUniquenessViolation(e) && ctx.safeUntil === undefined && ctx.failedAt !== undefined && (options.combine ?? true)) {
        ctx.safeUntil = ctx.failedAt;
        retries++;
        continue;
      }
      if (!isRetryable(e)) {
        await recordErrorBestEffort(ctx, e);
        throw e;
      }
      // A session that made progress resets the backoff: this is a new outage, not the same one.
      if (ctx.appliedChanges > appliedBefore || Date.now() - sessionStart > 60_000) failures = 0;
      const delayMs = backoffDelay(failures++, initialMs, maxMs);
      retries++;
      const side: SyncSide = e instanceof SyncFailure && e.side ? e.side : 'monolith';
      events.onRetry?.({ side, unreachable: isConnectionLoss(e), message: messageOf(e instanceof SyncFailure && e.cause !== undefined ? e.cause : e), delayMs, attempt: retries });
      await recordErrorBestEffort(ctx, e);
      if (!(await sleep(delayMs, options.signal))) return result('signal');
    }
  }
}

async function recordErrorBestEffort(ctx: RunContext, e: unknown): Promise<void> {
  const url = ctx.svc?.monolithUrl ?? ctx.options.url;
  if (!url) return;
  try {
    const client = await connect(url, { applicationName: `dbsplit shadow run ${ctx.options.service}`, connectTimeoutMs: 2000 });
    try {
      await recordError(client, ctx.options.service, messageOf(e));
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch {
    // The monolith is unreachable or has no control schema: the error is reported on stderr anyway.
  }
}

function missingSlot(svc: SyncService): PreconditionError {
  return new PreconditionError(`shadow sync of ${svc.service} is not started: the monolith has no replication slot ${svc.slot}`, `run dbsplit shadow start ${svc.service}`);
}

/** A failure of the replication connection. */
function streamFailure(e: unknown, svc: SyncService): DbsplitError {
  if ((e as { code?: unknown }).code === '42704') return missingSlot(svc);
  return asSyncFailure(e, 'monolith', 'the change stream');
}

async function onSide<T>(side: SyncSide, context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asSyncFailure(e, side, context);
  }
}

async function loadService(ctx: RunContext): Promise<SyncService> {
  if (ctx.svc) return ctx.svc;
  const { loadSyncService } = await import('../source/service-tables.js');
  try {
    ctx.svc = await loadSyncService({ planPath: ctx.options.planPath, service: ctx.options.service, url: ctx.options.url });
  } catch (e) {
    if (isRetryable(e)) throw asSyncFailure(e, 'monolith', 'monolith unreachable');
    throw e;
  }
  return ctx.svc;
}

async function takeRunnerLock(ctx: RunContext, target: pg.Client, control: pg.Client, service: string): Promise<void> {
  const deadline = Date.now() + (ctx.options.lockWaitMs ?? 10_000);
  for (;;) {
    if (await onSide('target', 'the target', () => tryRunnerLock(target, service))) return;
    // A runner killed a moment ago may still hold it until its server notices the closed socket.
    if (Date.now() >= deadline) {
      const state = (await readSyncStates(control, service).catch(() => []))[0];
      throw runnerActiveError(service, state);
    }
    await sleep(250, ctx.options.signal);
    if (ctx.options.signal?.aborted) throw new PreconditionError(`interrupted while waiting for ${service}'s runner lock`);
  }
}

async function runSession(ctx: RunContext): Promise<SessionEnd> {
  const { options, events } = ctx;
  const service = options.service;
  ctx.failedAt = undefined;
  const svc = await loadService(ctx);
  const control = await onSide('monolith', 'monolith unreachable', () => connect(svc.monolithUrl, { applicationName: `dbsplit shadow run ${service}` }));
  let applier: TargetApplier | undefined;
  let kafka: KafkaSink | undefined;
  let reader: ReplicationReader | undefined;
  let processor: StreamProcessor | undefined;
  const timers: NodeJS.Timeout[] = [];
  let graceful = false;
  let accountStats: (() => void) | undefined;
  try {
    await onSide('monolith', 'the monolith', () => requireShadowing(control, service));
    applier = await TargetApplier.open({
      service,
      targetUrl: svc.target.url,
      placement: svc.placement,
      combine: options.combine ?? true,
      applicationName: `dbsplit shadow run ${service}`,
    });
    const target = applier;
    await takeRunnerLock(ctx, target.client, control, service);
    if (!ctx.announced) {
      await onSide('monolith', 'the monolith', () => announceRunner(control, service, svc.slot, svc.publication));
      ctx.announced = true;
    }

    // A backfill interrupted by a crash is finished before streaming (its tables' changes
    // before their new snapshot are then skipped by the snapshot rule).
    const backfill = await target.refreshBackfillState();
    if (svc.tables.some((t) => backfill.get(t.key)?.status !== 'done')) {
      const { backfillPending } = await import('../backfill/index.js');
      await backfillPending({
        planPath: options.planPath,
        service,
        url: options.url,
        syncService: svc,
        jobs: options.backfillJobs,
        onEvent: events.onBackfill ? (e) => events.onBackfill!(e) : undefined,
      });
      await target.refreshBackfillState();
    }

    const position = await target.readPosition();
    if (!position) {
      throw new PreconditionError(`the target of ${service} records no sync position`, `run dbsplit shadow start ${service} first`);
    }
    // The slot may already be past the target's position (acknowledged while idle): never report less.
    const slotInfo = await onSide('monolith', 'the monolith', () =>
      control.query<{ lsn: string | null }>('SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [svc.slot]),
    );
    if (slotInfo.rows.length === 0) throw missingSlot(svc);
    const confirmedText = slotInfo.rows[0]!.lsn;
    // Direct: resume from the target's position, skipping what it has. Kafka: from the slot's
    // confirmed position (what the brokers acknowledged); the Kafka applier drops what comes twice.
    if (svc.transport === 'kafka') {
      ctx.kafka ??= await kafkaTransportOf(options.planPath, service);
      kafka = await openKafkaSink(svc, ctx.kafka, (schema, table, columns) => target.checkColumns(schema, table, columns), options.kafka);
    }
    const from = kafka ? 0n : parseLsn(position.lsn);
    const confirmed = confirmedText ? parseLsn(confirmedText) : from;
    const shownFrom = kafka ? confirmed : from;
    if (ctx.safeUntil !== undefined && from >= ctx.safeUntil) ctx.safeUntil = undefined;
    target.setCombine((options.combine ?? true) && ctx.safeUntil === undefined);
    ctx.appliedLsn ??= shownFrom;
    if (options.untilCaughtUp && ctx.untilLsn === undefined) {
      ctx.untilLsn = parseLsn(await onSide('monolith', 'the monolith', () => currentWalLsn(control)));
    }
    events.onStart?.({ service, fromLsn: formatLsn(shownFrom), untilLsn: ctx.untilLsn === undefined ? null : formatLsn(ctx.untilLsn), attempt: ctx.attempt });

    let settle!: { resolve: (end: SessionEnd) => void; reject: (e: unknown) => void };
    const outcome = new Promise<SessionEnd>((resolve, reject) => (settle = { resolve, reject }));
    let caughtUpTo = 0n;
    const statsBase = target.getStats();
    const proc: StreamProcessor = new StreamProcessor({
      applier: kafka?.sink ?? target,
      startLsn: from,
      batchSize: options.batchSize ?? 5000,
      batchMs: options.batchMs ?? 500,
      backlog: (): number => reader!.backlog(proc.handled),
      acknowledge: (lsn) => reader!.acknowledge(lsn),
      onBatch: (b) => {
        ctx.appliedChanges += b.changes;
        ctx.appliedLsn = parseLsn(b.lsn);
        if (ctx.safeUntil !== undefined && ctx.appliedLsn >= ctx.safeUntil) {
          ctx.safeUntil = undefined;
          target.setCombine(options.combine ?? true);
        }
      },
    });
    processor = proc;
    proc.onFailure = (e) => {
      ctx.failedAt = proc.failedAt;
      settle.reject(e);
    };
    const rdr = new ReplicationReader(
      svc.monolithUrl,
      svc.slot,
      svc.publication,
      {
        onMessage: (m) => proc.handle(m),
        onKeepalive: (lsn, replyRequested) => {
          if (proc.isIdle()) {
            // Every transaction before `lsn` was received and committed to the target.
            if (lsn > caughtUpTo) caughtUpTo = lsn;
            rdr.acknowledge(lsn);
          } else if (replyRequested) {
            rdr.acknowledge(rdr.acknowledged);
          }
        },
        onError: (e) => settle.reject(streamFailure(e, svc)),
      },
      `dbsplit shadow run ${service}`,
    );
    reader = rdr;
    rdr.start(from, confirmed);
    rdr.done.then(
      () => settle.reject(new SyncFailure('the monolith ended the change stream', { retryable: true, side: 'monolith' })),
      (e: unknown) => settle.reject(streamFailure(e, svc)),
    );
    const onAbort = (): void => settle.resolve('signal');
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    // Applied in commit order: once a transaction committed at or after the target LSN is
    // applied, so is everything before it (the idle keepalive covers a quiet monolith).
    const caughtUp = (): boolean => ctx.untilLsn !== undefined && (caughtUpTo >= ctx.untilLsn || proc.appliedLsn >= ctx.untilLsn);
    let lastPing = 0;
    timers.push(
      setInterval(() => {
        if (caughtUp()) return settle.resolve('caught-up');
        // Ask the monolith where its stream is, so an idle runner learns it has caught up.
        if (ctx.untilLsn !== undefined && proc.isIdle() && Date.now() - lastPing >= 500) {
          lastPing = Date.now();
          rdr.acknowledge(rdr.acknowledged, true);
        }
      }, 100),
    );
    let lastBeat = { at: Date.now(), applied: ctx.appliedChanges };
    /** `caughtUpNow`: known caught up (the last beat after reaching untilCaughtUp's goal). */
    const beat = async (caughtUpNow = false): Promise<void> => {
      const now = Date.now();
      const rate = ((ctx.appliedChanges - lastBeat.applied) * 1000) / Math.max(1, now - lastBeat.at);
      lastBeat = { at: now, applied: ctx.appliedChanges };
      const idle = caughtUpNow || proc.isIdle();
      const lastCommit = proc.lastCommitTimeMs ?? position.commitTimeMs ?? undefined;
      const lagSeconds = idle ? 0 : lastCommit === undefined ? null : Math.max(0, (now - lastCommit) / 1000);
      const appliedLsn = formatLsn(proc.appliedLsn > shownFrom ? proc.appliedLsn : shownFrom);
      events.onProgress?.({ appliedChanges: ctx.appliedChanges, rate, lagSeconds, appliedLsn, caughtUp: idle });
      const delta = ctx.appliedChanges - ctx.reportedChanges;
      const desired = await heartbeat(control, service, {
        appliedDelta: delta,
        rate,
        appliedLsn,
        confirmedLsn: rdr.acknowledged > 0n ? formatLsn(rdr.acknowledged) : null,
        lagSeconds,
      });
      ctx.reportedChanges += delta;
      if (desired === 'stopped') settle.resolve('stopped');
    };
    timers.push(
      setInterval(() => {
        beat().catch((e: unknown) => settle.reject(asSyncFailure(e, 'monolith', 'monolith unreachable')));
      }, options.heartbeatMs ?? 2000),
    );

    accountStats = () => {
      const s = target.getStats();
      ctx.skipped += s.skipped - statsBase.skipped;
      ctx.missingRows += s.missingRows - statsBase.missingRows;
      ctx.alreadyApplied += proc.alreadyApplied;
    };
    let end: SessionEnd;
    try {
      end = await outcome;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      for (const t of timers) clearInterval(t);
    }
    // Finish the batch in hand (whole transactions) and acknowledge it, then leave.
    await proc.close(true);
    if (proc.failure !== undefined) {
      ctx.failedAt = proc.failedAt;
      throw proc.failure;
    }
    await beat(end === 'caught-up').catch(() => undefined);
    await clearRunner(control, service).catch(() => undefined);
    graceful = true;
    return end;
  } finally {
    for (const t of timers) clearInterval(t);
    if (!graceful) await processor?.close(false);
    accountStats?.();
    await reader?.stop();
    await kafka?.close();
    await applier?.close();
    await control.end().catch(() => undefined);
  }
}
