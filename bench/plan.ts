/**
 * bench/plan: `suggestBoundaries` (dbsplit plan --auto) end to end on a schema of 2,000 tables
 * with planted domains, against plain Louvain on the foreign keys alone (unweighted, default
 * resolution, same random generator) in the same run: time, and agreement with the planted
 * domains (adjusted Rand index).
 *
 * The schema: 40 domains of 35 to 65 tables. Each domain has a subject word and three
 * secondary ones; most of its tables are named after one of them plus role words shared by
 * every domain (`_items`, `_status`, `_notes`), a few carry a misleading other domain's word.
 * Foreign keys form a tree inside each domain (new tables hang off earlier ones, mostly the
 * central ones), with a few extra inside links; four hub tables (the roots of four domains)
 * are referenced from every domain, and 5% of the other foreign keys cross domains at random.
 * The workload joins along the foreign keys, mostly inside domains, with calls spread over
 * five orders of magnitude, and writes tables together in transactions, mostly inside domains.
 */
import { fileURLToPath } from 'node:url';
import { UndirectedGraph } from 'graphology';
import louvainImport from 'graphology-communities-louvain';
import { adjustedRandIndex } from '../src/analyzers/suggest/rand-index.js';
import { DEFAULT_SEED, mulberry32 } from '../src/analyzers/suggest/rng.js';
import { suggestBoundaries, type Suggestion } from '../src/analyzers/suggest/suggest.js';
import type { Column, ForeignKey, SchemaModel, Table } from '../src/model/schema.js';
import type { QueryShape, TransactionTrace, Workload } from '../src/model/workload.js';
import { median } from './support.js';

// CommonJS typed with `export default`: see src/analyzers/suggest/louvain-partition.ts.
const louvain = louvainImport as unknown as typeof louvainImport.default;

const DOMAINS = 40;
const TABLES = 2000;
const HUBS = 4;
const NOISE_SHARE = 0.05;
const RUNS = 3;

const SUBJECTS = [
  'user', 'account', 'organization', 'product', 'order', 'invoice', 'payment', 'shipment', 'warehouse', 'supplier',
  'employee', 'payroll', 'campaign', 'ticket', 'article', 'course', 'patient', 'appointment', 'vehicle', 'booking',
  'contract', 'project', 'lead', 'subscription', 'coupon', 'review', 'playlist', 'device', 'sensor', 'claim',
  'policy', 'loan', 'portfolio', 'recipe', 'menu', 'venue', 'donation', 'listing', 'tenant', 'survey',
];
const SECONDARY = [
  'credential', 'session', 'profile', 'ledger', 'balance', 'statement', 'team', 'department', 'branch', 'variant',
  'catalog', 'brand', 'cart', 'checkout', 'fulfillment', 'tax', 'billing', 'dunning', 'charge', 'payout', 'dispute',
  'parcel', 'carrier', 'tracking', 'bin', 'stock', 'pallet', 'vendor', 'procurement', 'quote', 'timesheet', 'leave',
  'benefit', 'salary', 'deduction', 'bonus', 'audience', 'creative', 'impression', 'incident', 'escalation', 'sla',
  'author', 'revision', 'publication', 'lesson', 'quiz', 'grade', 'diagnosis', 'prescription', 'allergy', 'slot',
  'practitioner', 'clinic', 'trip', 'driver', 'fuel', 'reservation', 'guest', 'room', 'clause', 'signature', 'renewal',
  'milestone', 'task', 'sprint', 'prospect', 'pipeline', 'deal', 'plan', 'seat', 'trial', 'voucher', 'redemption',
  'promotion', 'rating', 'moderation', 'helpful', 'track', 'album', 'artist', 'firmware', 'pairing', 'telemetry',
  'reading', 'calibration', 'threshold', 'adjuster', 'settlement', 'assessment', 'premium', 'coverage', 'underwriting',
  'repayment', 'collateral', 'borrower', 'holding', 'trade', 'allocation', 'ingredient', 'nutrition', 'cuisine',
  'dish', 'allergen', 'kitchen', 'stage', 'performer', 'seating', 'donor', 'pledge', 'fund', 'photo', 'amenity',
  'landlord', 'lease', 'unit', 'respondent', 'question', 'answer',
];
const ROLES = [
  'item', 'line', 'status', 'history', 'event', 'note', 'attachment', 'tag', 'setting', 'rule', 'snapshot', 'version',
  'link', 'assignment', 'template', 'batch', 'schedule', 'log', 'detail', 'comment', 'approval', 'request', 'rate',
  'limit', 'metric', 'summary', 'export', 'audit', 'type', 'group', 'member', 'permission', 'token', 'alert',
  'reminder', 'preference', 'archive', 'mapping', 'queue', 'counter',
];

const plural = (w: string) => (/[^aeiou]y$/.test(w) ? `${w.slice(0, -1)}ies` : /(s|x|ch|sh)$/.test(w) ? `${w}es` : `${w}s`);

interface Planted {
  readonly schema: SchemaModel;
  readonly workload: Workload;
  readonly domainOf: ReadonlyMap<string, string>;
  readonly foreignKeys: number;
  readonly noise: number;
}

export function generate(seed = 7): Planted {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const sizes = Array.from({ length: DOMAINS }, () => int(35, 65));
  let excess = sizes.reduce((s, n) => s + n, 0) - TABLES;
  for (let i = 0; excess !== 0; i = (i + 1) % DOMAINS) {
    const step = Math.sign(excess);
    if (sizes[i]! - step >= 35 && sizes[i]! - step <= 65) {
      sizes[i] = sizes[i]! - step;
      excess -= step;
    }
  }

  const names = new Set<string>();
  const domainOf = new Map<string, string>();
  const members: string[][] = [];
  const unique = (make: () => string): string => {
    for (;;) {
      const n = make();
      if (!names.has(n)) {
        names.add(n);
        return n;
      }
    }
  };
  for (let d = 0; d < DOMAINS; d++) {
    const subject = SUBJECTS[d]!;
    const secondary = SECONDARY.slice(d * 3, d * 3 + 3);
    const list: string[] = [unique(() => plural(subject))];
    for (const s of secondary) list.push(unique(() => plural(s)));
    while (list.length < sizes[d]!) {
      const x = r();
      const word = x < 0.55 ? subject : x < 0.85 ? pick(secondary) : x < 0.93 ? `${subject}_${pick(ROLES)}` : x < 0.97 ? pick(ROLES) : SUBJECTS[int(0, DOMAINS - 1)]!;
      list.push(unique(() => `${word}_${plural(pick(ROLES))}`));
    }
    for (const t of list) domainOf.set(`public.${t}`, `d${d}`);
    members.push(list);
  }

  const refs = new Map<string, { to: string; inferred: boolean }[]>();
  const addFk = (from: string, to: string) => {
    if (from === to) return false;
    const list = refs.get(from) ?? [];
    if (list.some((x) => x.to === to)) return false;
    list.push({ to, inferred: r() < 0.15 });
    refs.set(from, list);
    return true;
  };
  let intra = 0;
  for (const list of members) {
    for (let i = 1; i < list.length; i++) {
      // Hang off an earlier table, mostly the domain's central ones (the first four).
      const parent = r() < 0.6 ? int(0, Math.min(3, i - 1)) : int(0, i - 1);
      if (addFk(list[i]!, list[parent]!)) intra++;
      if (r() < 0.2 && addFk(list[i]!, list[int(0, i - 1)]!)) intra++;
    }
  }
  const hubs = members.slice(0, HUBS).map((l) => l[0]!);
  for (let d = 0; d < DOMAINS; d++) for (const hub of hubs) for (let k = int(1, 4); k > 0; k--) addFk(pick(members[d]!), hub);
  let noise = 0;
  const all = members.flat();
  while (noise < Math.round((intra * NOISE_SHARE) / (1 - NOISE_SHARE))) {
    const from = pick(all);
    const to = pick(all);
    if (domainOf.get(`public.${from}`) !== domainOf.get(`public.${to}`) && addFk(from, to)) noise++;
  }

  const tables: Table[] = [];
  const foreignKeys: ForeignKey[] = [];
  for (const name of all) {
    const out = refs.get(name) ?? [];
    const columns: Column[] = [{ name: 'id', type: 'bigint', nullable: false }];
    for (const ref of out) columns.push({ name: `${ref.to}_id`, type: 'bigint', nullable: true });
    for (let c = int(2, 9); c > 0; c--) columns.push({ name: `attr_${c}`, type: 'text', nullable: true });
    tables.push({ schema: 'public', name, columns, primaryKey: ['id'], uniqueKeys: [], checks: [], indexes: [] });
    for (const ref of out) {
      foreignKeys.push({
        name: `${name}_${ref.to}_id_fkey`,
        from: { schema: 'public', table: name, columns: [`${ref.to}_id`] },
        to: { schema: 'public', table: ref.to, columns: ['id'] },
        onDelete: 'no action',
        onUpdate: 'no action',
        deferrable: false,
        initiallyDeferred: false,
        inferred: ref.inferred,
      });
    }
  }
  const schema: SchemaModel = { source: { kind: 'ddl', description: 'bench/plan' }, schemas: ['public'], tables, foreignKeys, views: [], sequences: [], enums: [], domains: [] };

  const queries: QueryShape[] = [];
  const ref = (t: string) => ({ schema: 'public', name: t });
  const calls = () => Math.floor(10 ** (r() * 5));
  for (const fk of foreignKeys) {
    if (r() > 0.7) continue;
    const from = fk.from.table;
    const to = fk.to.table;
    queries.push({
      id: `j${queries.length}`,
      sql: `SELECT ... FROM ${from} JOIN ${to}`,
      kind: 'select',
      calls: calls(),
      reads: [ref(from), ref(to)],
      writes: [],
      joins: [{ left: { schema: 'public', table: from, column: fk.from.columns[0]! }, right: { schema: 'public', table: to, column: 'id' }, operator: '=', via: 'on' }],
      parsed: true,
      sources: ['bench'],
    });
  }
  const writeId = new Map<string, string>();
  for (const t of all) {
    if (r() < 0.1) continue; // a tenth of the tables are never written: lookups
    const id = `w${queries.length}`;
    writeId.set(t, id);
    queries.push({ id, sql: `UPDATE ${t} ...`, kind: 'update', calls: calls(), reads: [], writes: [ref(t)], joins: [], parsed: true, sources: ['bench'] });
  }
  const transactions: TransactionTrace[] = [];
  for (let i = 0; i < 3000; i++) {
    const d = members[int(0, DOMAINS - 1)]!;
    const tx = [pick(d), pick(d), ...(r() < 0.03 ? [pick(all)] : [])].map((t) => writeId.get(t)).filter((x): x is string => x !== undefined);
    if (tx.length > 1) transactions.push({ sessionId: `s${i % 50}`, txId: String(i), queryIds: tx, source: 'bench' });
  }
  return { schema, workload: { queries, transactions, unparsed: 0, sources: ['bench'] }, domainOf, foreignKeys: foreignKeys.length, noise };
}

/** The anchor: Louvain on the foreign keys alone, unweighted, default resolution, same generator. */
export function plainLouvain(schema: SchemaModel, seed: number): Map<string, string> {
  const graph = new UndirectedGraph();
  for (const t of schema.tables) graph.mergeNode(`${t.schema}.${t.name}`);
  for (const fk of schema.foreignKeys) {
    const a = `${fk.from.schema}.${fk.from.table}`;
    const b = `${fk.to.schema}.${fk.to.table}`;
    if (a !== b) graph.mergeEdge(a, b);
  }
  const communities = louvain(graph, { getEdgeWeight: null, rng: mulberry32(seed) });
  return new Map(Object.entries(communities).map(([t, c]) => [t, `c${c}`]));
}

/** A suggestion as labels; shared and unassigned tables are each a cluster of their own. */
export function suggestionLabels(s: Suggestion): Map<string, string> {
  const out = new Map<string, string>();
  for (const svc of s.services) for (const t of svc.tables) out.set(t, svc.name);
  for (const x of [...s.shared, ...s.unassigned]) out.set(x.table, `alone:${x.table}`);
  return out;
}


export async function main(): Promise<void> {
  const planted = generate();
  const { schema, workload, domainOf } = planted;
  const joins = workload.queries.filter((q) => q.joins.length > 0).length;
  console.log(
    `bench/plan: ${schema.tables.length.toLocaleString('en-US')} tables in ${DOMAINS} planted domains, ${planted.foreignKeys.toLocaleString('en-US')} foreign keys ` +
      `(${planted.noise} cross-domain noise, ${HUBS} hubs referenced by every domain), ${joins.toLocaleString('en-US')} join queries, ${workload.transactions.length.toLocaleString('en-US')} transactions`,
  );

  const plainTimes: number[] = [];
  let plain = new Map<string, string>();
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    plain = plainLouvain(schema, DEFAULT_SEED);
    plainTimes.push(performance.now() - t0);
  }
  const suggestTimes: number[] = [];
  let suggestion: Suggestion | undefined;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    suggestion = suggestBoundaries(schema, workload);
    suggestTimes.push(performance.now() - t0);
  }
  const plainAri = adjustedRandIndex(domainOf, plain);
  const suggestAri = adjustedRandIndex(domainOf, suggestionLabels(suggestion!));
  const plainMs = median(plainTimes);
  const suggestMs = median(suggestTimes);
  const s = suggestion!;
  const clusters = new Set(plain.values()).size;
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  console.log(`  plain Louvain on FKs (anchor): ${ms(plainMs).padStart(8)}  ARI ${plainAri.toFixed(3)}  (${clusters} clusters; median of ${RUNS}: ${plainTimes.map(ms).join(', ')})`);
  console.log(
    `  suggestBoundaries end to end:  ${ms(suggestMs).padStart(8)}  ARI ${suggestAri.toFixed(3)}  (${s.services.length} services, ${s.shared.length} shared, ${s.unassigned.length} unassigned; median of ${RUNS}: ${suggestTimes.map(ms).join(', ')})`,
  );
  console.log(`  ratios suggest / plain: time ${(suggestMs / plainMs).toFixed(1)}x, ARI ${(suggestAri / plainAri).toFixed(2)}x  (goal: ARI well above plain, time under 2 s)`);
  console.log(
    `  coupling (FKs / joins / multi-service writes): suggested ${s.coupling.suggested.foreignKeys} / ${s.coupling.suggested.joins} / ${s.coupling.suggested.multiServiceWrites}` +
      `, one service per table ${s.coupling.onePerTable.foreignKeys} / ${s.coupling.onePerTable.joins} / ${s.coupling.onePerTable.multiServiceWrites}`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
