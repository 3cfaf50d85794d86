/**
 * Starting, stopping and cancelling a service's shadow sync (the streaming itself is
 * `shadow run`). Each is a core function returning what it did; the commands render it.
 */
export { startShadow, type StartOptions, type StartResult, type StartStep, type StartTable } from './lifecycle/start.js';
export { cancelShadow, stopShadow, type CancelOptions, type CancelResult, type CancelStep, type StopOptions, type StopResult } from './lifecycle/stop-cancel.js';
export { releaseRunnerLock, runnerLockKey, tryRunnerLock } from './lifecycle/runner-lock.js';
export { readSyncStates, type SyncStateRow } from './lifecycle/sync-state.js';
