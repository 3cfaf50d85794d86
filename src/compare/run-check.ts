import pg from 'pg';
import { isDbsplitError, UsageError } from '../errors.js';
import { redactSecrets } from '../redact.js';
import { loadComposition } from './composition.js';
import { analyzeOrder, type OrderInfo } from './order.js';
import { bindParams, rewriteNamedParams } from './params.js';
import { compareResults, rowColumns, type ResultSet, type Row } from './result-compare.js';
import type { CheckResult, LoadedCheck, MismatchSample, ParamSet, ResultComparison, SampleRow, Timing } from './types.js';
import { PgTime, shownValue } from './values.js';

/**
 * One check: its parameter sets (fixed, or sampled from the monolith), and for each the legacy
 * query on the monolith and the candidate (SQL on a service's database, or a composition),
 * compared. Any failure makes the check 'error' with one line; the run goes on.
 */

export interface CheckConnections {
  readonly monolith: pg.Client;
  /** A connection to the service's database (opened on first use); throws for an unknown service. */
  service(name: string): Promise<pg.Client>;
  /** Every service of the plan (for a composition that does not say which it reads). */
  readonly services: readonly string[];
}

export const SAMPLES_PER_KIND = 5;

/** date, timestamp, timestamptz kept as PostgreSQL's text: a Date would drop the microseconds. */
const TIME_OIDS = new Set([1082, 1114, 1184]);
const preciseTimes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => (TIME_OIDS.has(oid) && format !== 'binary' ? (v: string) => new PgTime(v) : pg.types.getTypeParser(oid, (format ?? 'text') as 'text'))) as pg.CustomTypesConfig['getTypeParser'],
};

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function timing(values: readonly number[]): Timing {
  return { totalMs: Math.round(values.reduce((a, b) => a + b, 0) * 100) / 100, medianMs: Math.round(median(values) * 100) / 100 };
}

function errorLine(e: unknown, side: string): string {
  if (isDbsplitError(e)) return redactSecrets(e.oneLine());
  const msg = (e as Error)?.message ?? String(e);
  const code = (e as { code?: unknown }).code;
  return redactSecrets(`${side}: ${msg.split('\n')[0]}${typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : ''}`);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

async function runSql(client: pg.Client, text: string, values: unknown[], precise: boolean): Promise<ResultSet> {
  const res = await client.query({ text, values, ...(precise ? { types: preciseTimes } : {}) });
  return { columns: res.fields.map((f) => f.name), rows: res.rows as Row[] };
}

async function paramSets(check: LoadedCheck, monolith: pg.Client): Promise<ParamSet[]> {
  switch (check.params.kind) {
    case 'none':
      return [{}];
    case 'fixed':
      return [...check.params.sets];
    case 'sampled': {
      let rows: Row[];
      try {
        rows = (await monolith.query(check.params.sql)).rows as Row[];
      } catch (e) {
        throw new UsageError(errorLine(e, 'params.from failed on the monolith'));
      }
      if (rows.length === 0) throw new UsageError('params.from returned no rows: nothing to compare', 'sample from a table that has rows, or give fixed params');
      return rows;
    }
  }
}

function paramSample(set: ParamSet): SampleRow | undefined {
  const keys = Object.keys(set);
  return keys.length === 0 ? undefined : Object.fromEntries(keys.map((k) => [k, shownValue(set[k])]));
}

export function candidateLabel(check: LoadedCheck): string {
  return check.candidate.kind === 'sql' ? `sql on ${check.candidate.service}` : `${check.candidate.functionName}()`;
}

export async function runCheck(check: LoadedCheck, conn: CheckConnections): Promise<CheckResult> {
  const started = performance.now();
  const legacyTimes: number[] = [];
  const candidateTimes: number[] = [];
  const comparisons: ResultComparison[] = [];
  let ordered = false;
  let orderNote: string | undefined;
  const finish = (status: CheckResult['status'], error?: string): CheckResult => result(check, status, comparisons, legacyTimes, candidateTimes, performance.now() - started, ordered, orderNote, error);
  try {
    const legacyNamed = rewriteNamedParams(check.legacySql);
    const order: OrderInfo = check.ordered === false ? { hasOrderBy: false, limited: false, keys: [], sql: legacyNamed.text, added: [] } : analyzeOrder(legacyNamed.text);
    ordered = check.ordered === 'auto' ? order.hasOrderBy : check.ordered;
    orderNote = ordered ? (order.hasOrderBy ? order.note : 'ordered: true without a top-level ORDER BY in the legacy query: rows must come in exactly the same order') : undefined;
    const legacySql = ordered ? order.sql : legacyNamed.text;
    // Times keep microseconds only where both sides are SQL; a composition returns Dates.
    const precise = check.candidate.kind === 'sql';
    const candidateNamed = check.candidate.kind === 'sql' ? rewriteNamedParams(check.candidate.sql) : undefined;
    const composition = check.candidate.kind === 'composition' ? await loadComposition(check.candidate.path, check.candidate.functionName) : undefined;
    let candidateClient: pg.Client | undefined;
    let compositionDb: Record<string, pg.Client> | undefined;
    if (check.candidate.kind === 'sql') candidateClient = await conn.service(check.candidate.service);
    if (composition) {
      compositionDb = {};
      for (const s of composition.services ?? conn.services) compositionDb[s] = await conn.service(s);
    }
    const sets = await paramSets(check, conn.monolith);
    // A name the composition does not take would reach it as nothing at all: say so instead.
    const takes = composition?.params;
    const unknownName = takes ? sets.flatMap((set) => Object.keys(set)).find((k) => !takes.includes(k)) : undefined;
    if (unknownName !== undefined) {
      return finish('error', `parameter ${unknownName} is not a parameter of ${check.candidate.kind === 'composition' ? check.candidate.functionName : 'the candidate'}() (it takes ${takes!.length > 0 ? takes!.join(', ') : 'none'}): rename it in params`);
    }
    for (let i = 0; i < sets.length; i++) {
      const set = sets[i]!;
      const where = `parameter set ${i + 1}`;
      let legacy: ResultSet;
      try {
        const run = await timed(() => runSql(conn.monolith, legacySql, bindParams(legacyNamed, set, `legacy, ${where}`), precise));
        legacy = run.value;
        legacyTimes.push(run.ms);
      } catch (e) {
        return finish('error', errorLine(e, `legacy query failed (${where})`));
      }
      let candidate: ResultSet;
      try {
        if (candidateClient && candidateNamed) {
          const run = await timed(() => runSql(candidateClient, candidateNamed.text, bindParams(candidateNamed, set, `candidate, ${where}`), precise));
          candidate = run.value;
          candidateTimes.push(run.ms);
        } else {
          const run = await timed(() => composition!.fn(compositionDb!, { ...set }));
          if (!Array.isArray(run.value)) throw new UsageError(`${candidateLabel(check)} returned ${typeof run.value}, not an array of rows`);
          // A composition returns no column list: its rows' keys, or the legacy's when it returns none.
          candidate = { columns: run.value.length > 0 ? rowColumns(run.value) : legacy.columns.filter((c) => !order.added.includes(c)), rows: run.value };
          candidateTimes.push(run.ms);
        }
      } catch (e) {
        return finish('error', errorLine(e, `candidate failed (${where})`));
      }
      comparisons.push(
        compareResults(legacy, candidate, {
          key: check.key,
          ignore: check.ignore,
          tolerance: check.tolerance,
          ordered,
          sortKeys: ordered ? order.keys : undefined,
          sortKeysPartial: ordered && order.hasOrderBy && order.note !== undefined,
          limited: order.limited,
          hidden: ordered ? order.added : [],
          orderNote,
          samples: SAMPLES_PER_KIND,
          paramSet: i,
          params: paramSample(set),
        }),
      );
    }
  } catch (e) {
    return finish('error', errorLine(e, 'check failed'));
  }
  const failed = comparisons.some(isMismatch);
  return finish(failed ? 'mismatch' : 'pass');
}

export function isMismatch(c: ResultComparison): boolean {
  return c.missing + c.extra + c.changed + c.outOfOrder > 0 || c.onlyInLegacy.length > 0 || c.onlyInCandidate.length > 0;
}

function result(
  check: LoadedCheck,
  status: CheckResult['status'],
  comparisons: readonly ResultComparison[],
  legacyTimes: readonly number[],
  candidateTimes: readonly number[],
  durationMs: number,
  ordered: boolean,
  orderNote: string | undefined,
  error: string | undefined,
): CheckResult {
  const sum = (f: (c: ResultComparison) => number) => comparisons.reduce((a, c) => a + f(c), 0);
  const samples: MismatchSample[] = [];
  const perKind = new Map<string, number>();
  for (const c of comparisons) {
    for (const s of c.samples) {
      const n = perKind.get(s.kind) ?? 0;
      if (n >= SAMPLES_PER_KIND) continue;
      perKind.set(s.kind, n + 1);
      samples.push(s);
    }
  }
  const union = (f: (c: ResultComparison) => readonly string[]) => [...new Set(comparisons.flatMap(f))];
  return {
    name: check.name,
    file: `${check.file}:${check.line}`,
    candidate: candidateLabel(check),
    status,
    paramSets: comparisons.length,
    mismatchedSets: comparisons.filter(isMismatch).length,
    legacyRows: sum((c) => c.legacyRows),
    candidateRows: sum((c) => c.candidateRows),
    missing: sum((c) => c.missing),
    extra: sum((c) => c.extra),
    changed: sum((c) => c.changed),
    outOfOrder: sum((c) => c.outOfOrder),
    tiesAccepted: sum((c) => c.tiesAccepted),
    onlyInLegacy: union((c) => c.onlyInLegacy),
    onlyInCandidate: union((c) => c.onlyInCandidate),
    ordered,
    ...(orderNote ? { orderNote } : {}),
    samples,
    legacy: timing(legacyTimes),
    candidateTiming: timing(candidateTimes),
    durationMs: Math.round(durationMs * 100) / 100,
    ...(error !== undefined ? { error } : {}),
  };
}
