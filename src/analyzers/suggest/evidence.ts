import type { ForeignKey, SchemaModel } from '../../model/schema.js';
import { tableKey } from '../../model/schema.js';
import type { JoinPredicate, Workload } from '../../model/workload.js';
import { tableWords, type TableWords } from './words.js';

/**
 * Everything that says two tables belong together, per pair of tables, and the weight of the
 * edge it becomes. The weights are one place to tune; each is explained where it is used.
 */
export const WEIGHTS = {
  /** A declared foreign key: the unit every other weight is measured against. */
  foreignKey: 1,
  /** An inferred relation (`user_id` with no constraint): the same signal, less certain. */
  inferredForeignKey: 0.8,
  /** Each further FK between the same two tables adds this share of its weight. */
  extraForeignKeyShare: 0.25,
  /** Joins: base + span * log(1+calls)/log(1+hottest), so a hot join counts more but never dominates. */
  joinBase: 0.3,
  joinSpan: 0.7,
  /** Co-written tables (same statement or logged transaction): a saga waiting to happen if split. */
  writeBase: 0.4,
  writeSpan: 0.6,
  /** Two tables whose subject is the same word (`order`, `order_items`). */
  sameStem: 0.6,
  /** A subject of one table that is a later word of the other (`refunds`, `payment_refunds`). */
  stemInName: 0.3,
  /** Two tables in the same schema, when it is not the schema holding most tables (`audit.*`). */
  sameSchema: 0.6,
  /** Tables referenced by at most this many tables are not damped as hubs. */
  hubFree: 3,
  /** Word groups larger than this say nothing about a domain (and would cost n² edges). */
  maxWordGroup: 200,
} as const;

export interface PairEvidence {
  /** The two tables, a < b. */
  readonly a: string;
  readonly b: string;
  readonly fks: ForeignKey[];
  joinCalls: number;
  joinQueries: number;
  /** The predicate of the hottest query joining the pair, for the reason line. */
  joinSample: JoinPredicate | undefined;
  joinSampleCalls: number;
  statementWriteCalls: number;
  transactionWrites: number;
  nameWord: string | undefined;
  nameWeight: number;
  /** The schema both live in, when that schema is a namespace someone chose (not the main one). */
  schemaName: string | undefined;
  schemaWeight: number;
  /** Weighted parts, filled by `weigh`. */
  fkWeight: number;
  joinWeight: number;
  writeWeight: number;
  /** Structural weight (FK + join + write), the part that makes a table "connected". */
  structural: number;
  /** Name and schema weight: what two tables' names say, whatever they do. */
  affinity: number;
  weight: number;
}

export interface Evidence {
  readonly tables: readonly string[];
  readonly pairs: ReadonlyMap<string, PairEvidence>;
  readonly neighbors: ReadonlyMap<string, ReadonlyMap<string, PairEvidence>>;
  /** table -> the distinct tables whose foreign keys point at it. */
  readonly referencedBy: ReadonlyMap<string, ReadonlySet<string>>;
  readonly outgoing: ReadonlyMap<string, ReadonlySet<string>>;
  readonly words: ReadonlyMap<string, TableWords>;
  readonly columns: ReadonlyMap<string, number>;
  readonly written: ReadonlySet<string>;
  /** Tables with at least one FK, join or co-write with another table. */
  readonly structural: ReadonlySet<string>;
}

export function pairKey(x: string, y: string): string {
  return x < y ? `${x}\u0000${y}` : `${y}\u0000${x}`;
}

/** How much an FK or join into `table` is worth: 1 for ordinary tables, c/k for hubs referenced by k tables. */
export function hubDamping(referencing: number): number {
  return referencing <= WEIGHTS.hubFree ? 1 : WEIGHTS.hubFree / referencing;
}

export function collectEvidence(schema: SchemaModel, workload: Workload): Evidence {
  const tables = schema.tables.map((t) => tableKey(t)).sort();
  const known = new Set(tables);
  const pairs = new Map<string, PairEvidence>();
  const pair = (x: string, y: string): PairEvidence | undefined => {
    if (x === y || !known.has(x) || !known.has(y)) return undefined;
    const key = pairKey(x, y);
    let p = pairs.get(key);
    if (!p) {
      const [a, b] = x < y ? [x, y] : [y, x];
      p = { a, b, fks: [], joinCalls: 0, joinQueries: 0, joinSample: undefined, joinSampleCalls: -1, statementWriteCalls: 0, transactionWrites: 0, nameWord: undefined, nameWeight: 0, schemaName: undefined, schemaWeight: 0, fkWeight: 0, joinWeight: 0, writeWeight: 0, structural: 0, affinity: 0, weight: 0 };
      pairs.set(key, p);
    }
    return p;
  };

  const referencedBy = new Map<string, Set<string>>();
  const outgoing = new Map<string, Set<string>>();
  const addTo = (m: Map<string, Set<string>>, k: string, v: string) => {
    let s = m.get(k);
    if (!s) m.set(k, (s = new Set()));
    s.add(v);
  };
  for (const fk of schema.foreignKeys) {
    const from = tableKey({ schema: fk.from.schema, name: fk.from.table });
    const to = tableKey({ schema: fk.to.schema, name: fk.to.table });
    const p = pair(from, to);
    if (!p) continue;
    p.fks.push(fk);
    addTo(referencedBy, to, from);
    addTo(outgoing, from, to);
  }

  for (const q of workload.queries) {
    const seen = new Set<string>();
    for (const j of q.joins) {
      const x = tableKey({ schema: j.left.schema, name: j.left.table });
      const y = tableKey({ schema: j.right.schema, name: j.right.table });
      const p = pair(x, y);
      if (!p) continue;
      const key = pairKey(x, y);
      if (!seen.has(key)) {
        seen.add(key);
        p.joinCalls += q.calls;
        p.joinQueries++;
      }
      if (q.calls > p.joinSampleCalls) {
        p.joinSample = j;
        p.joinSampleCalls = q.calls;
      }
    }
  }

  const written = new Set<string>();
  const writesOf = new Map<string, string[]>();
  for (const q of workload.queries) {
    const w = [...new Set(q.writes.map((t) => tableKey(t)))].filter((t) => known.has(t)).sort();
    writesOf.set(q.id, w);
    for (const t of w) written.add(t);
    eachPair(w, (x, y) => {
      pair(x, y)!.statementWriteCalls += q.calls;
    });
  }
  for (const tx of workload.transactions) {
    const w = [...new Set(tx.queryIds.flatMap((id) => writesOf.get(id) ?? []))].sort();
    eachPair(w, (x, y) => {
      pair(x, y)!.transactionWrites++;
    });
  }

  const names = new Map(schema.tables.map((t) => [tableKey(t), t.name]));
  const words = tableWords(names);
  addNameEvidence(tables, words, pair);
  addSchemaEvidence(schema, pair);

  weigh(pairs, referencedBy);

  const neighbors = new Map<string, Map<string, PairEvidence>>();
  const structural = new Set<string>();
  for (const t of tables) neighbors.set(t, new Map());
  for (const p of [...pairs.values()].sort((x, y) => x.a.localeCompare(y.a) || x.b.localeCompare(y.b))) {
    if (p.weight <= 0) continue;
    neighbors.get(p.a)!.set(p.b, p);
    neighbors.get(p.b)!.set(p.a, p);
    if (p.structural > 0) {
      structural.add(p.a);
      structural.add(p.b);
    }
  }
  const columns = new Map(schema.tables.map((t) => [tableKey(t), t.columns.length]));
  return { tables, pairs, neighbors, referencedBy, outgoing, words, columns, written, structural };
}

function eachPair(items: readonly string[], f: (x: string, y: string) => void): void {
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) f(items[i]!, items[j]!);
}

/**
 * Tables sharing a word are linked with a weight that shrinks as the group grows
 * (2/(n-1) per pair), so each table's total name evidence stays about the same whether its
 * word is shared by three tables or by fifty.
 */
function addNameEvidence(tables: readonly string[], words: ReadonlyMap<string, TableWords>, pair: (x: string, y: string) => PairEvidence | undefined): void {
  const byStem = new Map<string, string[]>();
  const byOther = new Map<string, string[]>();
  const push = (m: Map<string, string[]>, w: string, t: string) => {
    let l = m.get(w);
    if (!l) m.set(w, (l = []));
    l.push(t);
  };
  for (const t of tables) {
    const tw = words.get(t);
    if (!tw) continue;
    if (tw.stem) push(byStem, tw.stem, t);
    for (const o of tw.others) push(byOther, o, t);
  }
  const offer = (x: string, y: string, word: string, w: number) => {
    const p = pair(x, y);
    if (p && w > p.nameWeight) {
      p.nameWeight = w;
      p.nameWord = word;
    }
  };
  for (const [word, members] of byStem) {
    const others = byOther.get(word) ?? [];
    const n = members.length + others.length;
    if (n < 2 || n > WEIGHTS.maxWordGroup) continue;
    const norm = Math.min(1, 2 / (n - 1));
    eachPair(members, (x, y) => offer(x, y, word, WEIGHTS.sameStem * norm));
    for (const x of members) for (const y of others) offer(x, y, word, WEIGHTS.stemInName * norm);
  }
}

/**
 * A schema other than the one holding most tables is a namespace a team chose for a group of
 * tables (`audit`, `billing`): evidence like a shared name, normalized the same way.
 */
function addSchemaEvidence(schema: SchemaModel, pair: (x: string, y: string) => PairEvidence | undefined): void {
  const bySchema = new Map<string, string[]>();
  for (const t of schema.tables) bySchema.set(t.schema, [...(bySchema.get(t.schema) ?? []), tableKey(t)]);
  if (bySchema.size < 2) return;
  const main = [...bySchema].sort((x, y) => y[1].length - x[1].length || x[0].localeCompare(y[0]))[0]![0];
  for (const [name, members] of bySchema) {
    const n = members.length;
    if (name === main || n < 2 || n > WEIGHTS.maxWordGroup) continue;
    const w = WEIGHTS.sameSchema * Math.min(1, 2 / (n - 1));
    eachPair(members.sort(), (x, y) => {
      const p = pair(x, y)!;
      p.schemaName = name;
      p.schemaWeight = w;
    });
  }
}

function weigh(pairs: Map<string, PairEvidence>, referencedBy: ReadonlyMap<string, ReadonlySet<string>>): void {
  const damp = (t: string) => hubDamping(referencedBy.get(t)?.size ?? 0);
  let hottestJoin = 0;
  let hottestWrite = 0;
  for (const p of pairs.values()) {
    hottestJoin = Math.max(hottestJoin, p.joinCalls);
    hottestWrite = Math.max(hottestWrite, p.statementWriteCalls + p.transactionWrites);
  }
  const logShare = (calls: number, hottest: number) => (hottest > 0 ? Math.log1p(calls) / Math.log1p(hottest) : 0);
  for (const p of pairs.values()) {
    if (p.fks.length > 0) {
      const each = p.fks
        .map((fk) => (fk.inferred ? WEIGHTS.inferredForeignKey : WEIGHTS.foreignKey) * damp(tableKey({ schema: fk.to.schema, name: fk.to.table })))
        .sort((x, y) => y - x);
      p.fkWeight = each[0]! + WEIGHTS.extraForeignKeyShare * each.slice(1).reduce((s, x) => s + x, 0);
    }
    if (p.joinQueries > 0) p.joinWeight = (WEIGHTS.joinBase + WEIGHTS.joinSpan * logShare(p.joinCalls, hottestJoin)) * Math.min(damp(p.a), damp(p.b));
    const writes = p.statementWriteCalls + p.transactionWrites;
    if (writes > 0) p.writeWeight = WEIGHTS.writeBase + WEIGHTS.writeSpan * logShare(writes, hottestWrite);
    p.structural = p.fkWeight + p.joinWeight + p.writeWeight;
    p.affinity = p.nameWeight + p.schemaWeight;
    p.weight = p.structural + p.affinity;
  }
}
