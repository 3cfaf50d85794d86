import type { Evidence } from './evidence.js';
import { pluralize } from './words.js';

const VALID = /^[a-z][a-z0-9_]*$/;
const MAX_LENGTH = 40;

/**
 * PostgreSQL's reserved words: a service name becomes a schema or database name, and these
 * would need quoting everywhere (`order`, `user`).
 */
const RESERVED = new Set(
  ('all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create current_catalog ' +
    'current_date current_role current_time current_timestamp current_user default deferrable desc distinct do else end except ' +
    'false fetch for foreign from grant group having in initially intersect into lateral leading limit localtime localtimestamp ' +
    'not null offset on only or order placing primary references returning select session_user some symmetric system_user ' +
    'table then to trailing true union unique user using variadic when where window with').split(' '),
);

/**
 * Names for a group of tables, best first: its dominant subject word, counted once per table
 * plus once per foreign key pointing at that table from inside the group (so the table the
 * others hang off wins a tie). The word is kept as the schema writes it in the central table
 * of that subject (`orders` from `orders`, `audit` from `audit_log`): the team's own vocabulary.
 * A reserved word (`order`, `user`) is pluralized instead.
 */
export function namesFor(ev: Evidence, tables: readonly string[]): string[] {
  const members = new Set(tables);
  const inside = (t: string) => [...(ev.referencedBy.get(t) ?? [])].filter((r) => r !== t && members.has(r)).length;
  const score = new Map<string, { score: number; written: string; rank: number[] }>();
  for (const t of tables) {
    const w = ev.words.get(t);
    if (w?.stem === undefined) continue;
    const written = w.written ?? w.stem;
    const refs = inside(t);
    // Which table of the subject speaks for it: the one named by the word alone (`payments`, not
    // `payment_methods`), then the most referenced, then the shortest word.
    const rank = [t.slice(t.indexOf('.') + 1).toLowerCase() === written ? 1 : 0, refs, -written.length];
    const cur = score.get(w.stem);
    if (!cur) score.set(w.stem, { score: 1 + refs, written, rank });
    else {
      cur.score += 1 + refs;
      if (compare(rank, cur.rank) > 0) {
        cur.written = written;
        cur.rank = rank;
      }
    }
  }
  const stems = [...score]
    .sort((x, y) => y[1].score - x[1].score || x[0].localeCompare(y[0]))
    .map(([stem, s]) => sanitize(RESERVED.has(s.written) ? pluralize(stem) : s.written));
  // When every subject word is taken, the name of the table the others hang off.
  const central = [...tables].sort((x, y) => inside(y) - inside(x) || x.localeCompare(y))[0];
  const fallback = central === undefined ? 'service' : sanitize(central.slice(central.indexOf('.') + 1));
  return [...new Set([...stems, fallback])];
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Lower-case letters, digits and `_`, starting with a letter: plan files require it. */
export function sanitize(name: string): string {
  let s = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (!/^[a-z]/.test(s)) s = `s_${s}`;
  s = s.slice(0, MAX_LENGTH).replace(/_+$/, '');
  return VALID.test(s) ? s : 'service';
}

/**
 * The first free name among the candidates; when all are taken, the first with a suffix
 * (`orders_2`). A clash is usually a second cluster of the same subject: its second word or
 * central table says more than a number would.
 */
export function uniqueName(candidates: readonly string[], taken: Set<string>): string {
  const wanted = candidates[0] ?? 'service';
  let name = candidates.find((c) => !taken.has(c)) ?? wanted;
  for (let i = 2; taken.has(name); i++) name = `${wanted}_${i}`;
  taken.add(name);
  return name;
}
