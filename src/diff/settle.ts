import type pg from 'pg';
import { CONTROL_SCHEMA } from '../db/control-schema.js';
import { compareLsn } from '../sync/apply/lsn.js';
import { slotName, TARGET_STATE_SCHEMA } from '../sync/contract.js';
import { keyless, type Side } from './diff-sql.js';
import { fetchByKeys } from './fetch-rows.js';
import type { TextRow, TrackedDifference } from './row-compare.js';
import type { SidePool } from './side-pool.js';
import { currentLsn } from './table-differ.js';
import type { TableShape } from './table-shape.js';
import type { DiffEventSink, SettleInfo } from './types.js';

/**
 * While shadow sync runs, a row that differs may only be in flight: changed on the monolith,
 * not yet applied to the target. Such differences are re-checked once the target has applied
 * everything the monolith had committed when the row was read, and only those that persist are
 * reported.
 *
 * A difference is confirmed (persistent) when, in one round:
 *   1. the monolith's row was read (S1), and the WAL insert position L right after it (every
 *      transaction S1 saw has its commit record before L);
 *   2. the target's applied position reached L, and then the target's row was read (T);
 *   3. the monolith's row was read again (S2), and S2 = S1;
 *   4. and T still differs from it.
 * Since the row did not change on the monolith between S1 and S2, its last change committed
 * before L; the target had applied L before T was read; so T should equal it. A row the
 * monolith keeps changing (a hot row under load) stays pending for another round; what is still
 * pending at the timeout is reported, marked `unsettled`. A difference whose sides agree in some
 * round has settled.
 *
 * The target's applied position is `_dbsplit_sync.position.lsn` (commit LSN of the last applied
 * source transaction, written in the same transaction as the data). When nothing commits on the
 * monolith for a while, that position stays behind the current WAL position; with the direct
 * transport the slot's confirmed_flush_lsn then tells more (the runner acknowledges only what the
 * target committed, and acknowledges keepalives when idle), so the larger of the two is used.
 */

export interface SettleTable {
  readonly shape: TableShape;
  readonly details: TrackedDifference[];
}

export interface SettleOptions {
  readonly service: string;
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly events?: DiffEventSink;
}

export interface SettleOutcome {
  readonly info: SettleInfo;
  /** Per table (same order): the differences that persist (or stayed unsettled), and how many settled. */
  readonly tables: readonly { readonly details: TrackedDifference[]; readonly settled: number }[];
}

interface AppliedReader {
  read(): Promise<string | null>;
  /** The service's slot, when it has one and no runner reads it: then the position cannot move. */
  idleSlot(): Promise<string | undefined>;
}

/** How long the slot may go unread before settling gives up (a runner restarting lets go for a moment). */
const IDLE_SLOT_GRACE_MS = 2000;

/** The target's applied position, or undefined when the target has no sync state for the service. */
async function appliedReader(pools: Readonly<Record<Side, SidePool>>, service: string): Promise<AppliedReader | undefined> {
  const hasState = await pools.target.query<{ t: string | null }>(`SELECT to_regclass('${TARGET_STATE_SCHEMA}.position')::text AS t`);
  if (!hasState.rows[0]?.t) return undefined;
  const readPosition = async () => (await pools.target.query<{ lsn: string }>(`SELECT lsn::text AS lsn FROM ${TARGET_STATE_SCHEMA}.position WHERE service = $1`, [service])).rows[0]?.lsn ?? null;
  if ((await readPosition()) === null) return undefined;
  let slot: string | undefined;
  let anySlot: string | undefined;
  const control = await pools.source.query<{ t: string | null }>(`SELECT to_regclass('${CONTROL_SCHEMA}.sync_state')::text AS t`);
  if (control.rows[0]?.t) {
    const st = await pools.source.query<{ transport: string; slot_name: string | null }>(`SELECT transport, slot_name FROM ${CONTROL_SCHEMA}.sync_state WHERE service = $1`, [service]);
    const row = st.rows[0];
    if (row) anySlot = row.slot_name ?? slotName(service);
    if (row && row.transport === 'direct') slot = anySlot;
  }
  return {
    read: async () => {
      const position = await readPosition();
      if (slot === undefined) return position;
      const res = await pools.source.query<{ lsn: string | null }>(`SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()`, [slot]);
      const confirmed = res.rows[0]?.lsn ?? null;
      if (position === null) return confirmed;
      if (confirmed === null) return position;
      return compareLsn(confirmed, position) > 0 ? confirmed : position;
    },
    idleSlot: async () => {
      if (anySlot === undefined) return undefined;
      const res = await pools.source.query<{ active: boolean }>(`SELECT active FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()`, [anySlot]);
      return res.rows[0]?.active === false ? anySlot : undefined;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rows by identity on one side: keyed tables, id → values; keyless, id → copies (as a one-value row). */
async function readRows(client: pg.Client, shape: TableShape, side: Side, details: readonly TrackedDifference[]): Promise<Map<string, TextRow>> {
  const out = new Map<string, TextRow>();
  const rows = await fetchByKeys(client, shape, side, details.map((d) => (keyless(shape) ? (d.hashKey ?? '0') : d.key)));
  for (const r of rows) {
    if (keyless(shape)) out.set(JSON.stringify(r.slice(1, -1)), [r[r.length - 1] ?? '0']);
    else out.set(JSON.stringify(r.slice(0, shape.key.length)), r.slice(shape.key.length));
  }
  return out;
}

function sig(v: TextRow | null | undefined): string {
  return v === null || v === undefined ? '∅' : JSON.stringify(v);
}

function maxLsn(values: readonly (string | null)[]): string | null {
  let best: string | null = null;
  for (const v of values) if (v !== null && (best === null || compareLsn(v, best) > 0)) best = v;
  return best;
}

interface Pending {
  readonly table: number;
  readonly d: TrackedDifference;
  prev: string;
}

/** Apply a fresh observation to a difference: its kind and values now. */
function observe(shape: TableShape, d: TrackedDifference, s: TextRow | undefined, t: TextRow | undefined): void {
  if (keyless(shape)) {
    const sc = Number(s?.[0] ?? 0);
    const tc = Number(t?.[0] ?? 0);
    d.sourceCopies = sc;
    d.targetCopies = tc;
    d.kind = sc > tc ? 'missing' : 'extra';
    const values = d.source ?? d.target;
    d.source = sc > 0 ? values : null;
    d.target = tc > 0 ? values : null;
    return;
  }
  d.source = s ?? null;
  d.target = t ?? null;
  d.kind = s === undefined ? 'extra' : t === undefined ? 'missing' : 'changed';
}

function agree(shape: TableShape, s: TextRow | undefined, t: TextRow | undefined): boolean {
  if (keyless(shape)) return Number(s?.[0] ?? 0) === Number(t?.[0] ?? 0);
  return sig(s) === sig(t);
}

export async function settleDifferences(pools: Readonly<Record<Side, SidePool>>, tables: readonly SettleTable[], options: SettleOptions): Promise<SettleOutcome> {
  const started = Date.now();
  const unchanged = (note: string, attempted = false): SettleOutcome => ({
    info: { attempted, note, waitedMs: Date.now() - started },
    tables: tables.map((t) => ({ details: t.details, settled: 0 })),
  });
  const total = tables.reduce((n, t) => n + t.details.length, 0);
  if (total === 0) return unchanged('no differences to re-check');
  const applied = await appliedReader(pools, options.service);
  if (!applied) return unchanged(`no sync position for ${options.service} in the service's database (${TARGET_STATE_SCHEMA}.position): differences were not re-checked`);

  const pending: Pending[] = [];
  tables.forEach((t, table) => {
    for (const d of t.details) pending.push({ table, d, prev: keyless(t.shape) ? String(d.sourceCopies ?? 0) : sig(d.source) });
  });
  const settled = tables.map(() => 0);
  const confirmed = tables.map(() => [] as TrackedDifference[]);
  let waitFor = maxLsn(pending.map((p) => p.d.lsn)) ?? (await pools.source.use((c) => currentLsn(c)));
  if (waitFor === null) return unchanged('the monolith reports no WAL position: differences were not re-checked');
  options.events?.({ kind: 'settle-start', pending: pending.length, waitForLsn: waitFor });
  const deadline = started + options.timeoutMs;
  let lastApplied: string | null = null;
  let round = 0;
  let timedOut = false;
  let idleSlot: string | undefined;
  let remaining = pending;
  while (remaining.length > 0) {
    // 2. wait until the target has applied everything read so far on the monolith; not at all
    // when no runner reads the slot (shadow stop, or a runner that died): nothing would move
    let idleSince: number | undefined;
    for (;;) {
      lastApplied = await applied.read();
      if (lastApplied !== null && compareLsn(lastApplied, waitFor) >= 0) break;
      if (Date.now() >= deadline) break;
      idleSlot = await applied.idleSlot();
      if (idleSlot === undefined) idleSince = undefined;
      else if (Date.now() - (idleSince ??= Date.now()) >= IDLE_SLOT_GRACE_MS) break;
      await sleep(options.pollMs ?? 200);
    }
    if (lastApplied === null || compareLsn(lastApplied, waitFor) < 0) {
      timedOut = idleSlot === undefined;
      break;
    }
    idleSlot = undefined;
    round++;
    // 3. the target's rows, then the monolith's rows again and the position after them
    const byTable = new Map<number, Pending[]>();
    for (const p of remaining) byTable.set(p.table, [...(byTable.get(p.table) ?? []), p]);
    const next: Pending[] = [];
    let nextLsn: string | null = null;
    const reads: { table: number; target: Map<string, TextRow>; source: Map<string, TextRow> }[] = [];
    for (const [table, list] of byTable) {
      const shape = tables[table]!.shape;
      const details = list.map((p) => p.d);
      const target = await pools.target.use((c) => readRows(c, shape, 'target', details));
      reads.push({ table, target, source: new Map() });
    }
    await pools.source.use(async (c) => {
      for (const r of reads) r.source = await readRows(c, tables[r.table]!.shape, 'source', byTable.get(r.table)!.map((p) => p.d));
      nextLsn = await currentLsn(c);
    });
    for (const r of reads) {
      const shape = tables[r.table]!.shape;
      for (const p of byTable.get(r.table)!) {
        const s = r.source.get(p.d.id);
        const t = r.target.get(p.d.id);
        if (agree(shape, s, t)) {
          settled[r.table]!++;
          continue;
        }
        observe(shape, p.d, s, t);
        const now = keyless(shape) ? String(Number(s?.[0] ?? 0)) : sig(s);
        if (now === p.prev) confirmed[r.table]!.push(p.d);
        else {
          p.prev = now;
          next.push(p);
        }
      }
    }
    remaining = next;
    options.events?.({ kind: 'settle-progress', pending: remaining.length, appliedLsn: lastApplied, round });
    if (remaining.length === 0) break;
    if (nextLsn === null) break;
    waitFor = nextLsn;
    if (Date.now() >= deadline) {
      timedOut = true;
      break;
    }
  }
  for (const p of remaining) {
    p.d.unsettled = true;
    confirmed[p.table]!.push(p.d);
  }
  const settledTotal = settled.reduce((a, b) => a + b, 0);
  options.events?.({ kind: 'settle-done', settled: settledTotal, remaining: remaining.length });
  const note =
    idleSlot !== undefined
      ? `shadow sync of ${options.service} is not running (no runner reads slot ${idleSlot}), so the target cannot catch up with the monolith's position ${waitFor} (applied: ${lastApplied ?? 'none'}): ${remaining.length} difference(s) could not be confirmed; start dbsplit shadow run ${options.service} and diff again`
      : timedOut
        ? `sync did not reach the monolith's position ${waitFor} within ${Math.round(options.timeoutMs / 1000)} s (applied: ${lastApplied ?? 'none'}): ${remaining.length} difference(s) could not be confirmed`
        : undefined;
  return {
    info: { attempted: true, ...(note ? { note } : {}), ...(lastApplied ? { appliedLsn: lastApplied } : {}), waitedMs: Date.now() - started },
    tables: tables.map((_, i) => ({ details: confirmed[i]!, settled: settled[i]! })),
  };
}
