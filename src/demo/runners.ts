import type { RunProgress, RunShadowResult } from '../sync/stream/index.js';

/**
 * One in-process shadow runner per service (what `dbsplit shadow run <service>` does in its own
 * process in production). The demo stops them with `shadow stop` (each notices at its next
 * heartbeat and returns 'stopped'), and aborts them whatever happens so that nothing is left
 * streaming when the demo ends.
 */

/** Heartbeats (progress, lag in `_dbsplit.sync_state`) often enough for a demo of seconds. */
export const DEMO_HEARTBEAT_MS = 500;

export interface RunnerState {
  readonly service: string;
  streaming: boolean;
  progress: RunProgress | undefined;
  /** Progress events received so far (to wait for a fresh one). */
  beats: number;
  retries: number;
  result: RunShadowResult | undefined;
  failure: unknown;
}

export class DemoRunners {
  readonly states: ReadonlyMap<string, RunnerState>;
  // One per runner: each adds its own listeners to its signal.
  private readonly controllers: AbortController[] = [];
  private readonly running: Promise<void>[] = [];

  private constructor(states: Map<string, RunnerState>) {
    this.states = states;
  }

  static async start(planPath: string, services: readonly string[]): Promise<DemoRunners> {
    const { runShadow } = await import('../sync/stream/index.js');
    const states = new Map(services.map((service) => [service, { service, streaming: false, progress: undefined, beats: 0, retries: 0, result: undefined, failure: undefined } as RunnerState]));
    const group = new DemoRunners(states);
    for (const state of states.values()) {
      const controller = new AbortController();
      group.controllers.push(controller);
      const run = runShadow(
        { service: state.service, planPath, signal: controller.signal, heartbeatMs: DEMO_HEARTBEAT_MS, retry: { initialMs: 250, maxMs: 2000 } },
        {
          onStart: () => void (state.streaming = true),
          onProgress: (p) => {
            state.progress = p;
            state.beats++;
          },
          onRetry: () => void state.retries++,
        },
      ).then(
        (r) => void (state.result = r),
        (e: unknown) => void (state.failure = e),
      );
      group.running.push(run);
    }
    return group;
  }

  /** The first runner that failed (not retryable), to rethrow. */
  failure(): unknown {
    for (const s of this.states.values()) if (s.failure !== undefined) return s.failure;
    return undefined;
  }

  private throwIfFailed(): void {
    const f = this.failure();
    if (f !== undefined) throw f;
  }

  /** Resolve once `ready(state)` holds for every runner; a runner's failure or the timeout rejects. */
  async until(ready: (s: RunnerState) => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.throwIfFailed();
      const waiting = [...this.states.values()].filter((s) => !ready(s));
      if (waiting.length === 0) return;
      if (Date.now() >= deadline) throw new Error(`demo: ${waiting.map((s) => s.service).join(', ')} not ${what} after ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Wait for every runner to report progress again (its heartbeat then follows at once). */
  async nextBeat(timeoutMs: number): Promise<void> {
    const seen = new Map([...this.states.values()].map((s) => [s.service, s.beats]));
    await this.until((s) => s.beats > seen.get(s.service)! || s.result !== undefined, timeoutMs, 'reporting progress');
  }

  /** Wait for every runner to return (after `shadow stop`); rethrows a runner's failure. */
  async finished(timeoutMs: number): Promise<RunShadowResult[]> {
    await this.until((s) => s.result !== undefined || s.failure !== undefined, timeoutMs, 'stopped');
    this.throwIfFailed();
    return [...this.states.values()].map((s) => s.result!);
  }

  /** Abort whatever still runs and wait for it: each runner finishes or rolls back its batch. */
  async abort(): Promise<void> {
    for (const c of this.controllers) c.abort();
    await Promise.all(this.running);
  }
}
