import type { ForeignKey } from '../../model/schema.js';
import type { Evidence, PairEvidence } from './evidence.js';

/** `public.orders` -> `orders`; other schemas stay qualified. */
export function shortName(key: string): string {
  return key.startsWith('public.') ? key.slice('public.'.length) : key;
}

const count = (n: number) => n.toLocaleString('en-US');
const times = (n: number) => (n === 1 ? 'once' : `${count(n)} times`);

function fkLabel(fk: ForeignKey): string {
  const side = (s: { schema: string; table: string; columns: readonly string[] }) => `${shortName(`${s.schema}.${s.table}`)}.${s.columns.length === 1 ? s.columns[0] : `(${s.columns.join(', ')})`}`;
  return `FK ${side(fk.from)} → ${side(fk.to)}${fk.inferred ? ' (inferred)' : ''}`;
}

/** The strongest single piece of evidence in a pair, as one line, seen from `from`. */
export function describeLink(p: PairEvidence, from: string): string {
  const other = shortName(p.a === from ? p.b : p.a);
  const parts: [number, () => string][] = [
    [p.fkWeight, () => fkLabel([...p.fks].sort((x, y) => Number(x.inferred) - Number(y.inferred) || x.name.localeCompare(y.name))[0]!)],
    [p.joinWeight, () => `joined with ${other} (${count(p.joinCalls)} calls${p.joinQueries > 1 ? ` in ${p.joinQueries} queries` : ''})`],
    [
      p.writeWeight,
      () =>
        p.transactionWrites >= p.statementWriteCalls
          ? `written with ${other} in the same transaction (${times(p.transactionWrites)})`
          : `written with ${other} in the same statement (${count(p.statementWriteCalls)} calls)`,
    ],
    [p.nameWeight, () => `shares the name stem '${p.nameWord}' with ${other}`],
    [p.schemaWeight, () => `in the schema '${p.schemaName}' with ${other}`],
  ];
  // On a tie, the order above: a foreign key is the most concrete evidence.
  let best = parts[0]!;
  for (const part of parts) if (part[0] > best[0]) best = part;
  return best[1]();
}

/** Why `table` is in the service holding `members`: its strongest link to one of them. */
export function placementReason(ev: Evidence, table: string, members: ReadonlySet<string>): string {
  let best: PairEvidence | undefined;
  for (const [n, p] of ev.neighbors.get(table) ?? []) {
    if (!members.has(n)) continue;
    if (!best || p.weight > best.weight) best = p;
  }
  if (best) return describeLink(best, table);
  let outside: PairEvidence | undefined;
  for (const p of ev.neighbors.get(table)?.values() ?? []) if (!outside || p.weight > outside.weight) outside = p;
  return outside
    ? `no tie to another table of this service; its strongest link (${describeLink(outside, table)}) was not enough to join that service`
    : 'no foreign keys, joins or shared name with any table';
}
