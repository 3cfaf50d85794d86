import { WEIGHTS, type Evidence, type PairEvidence } from './evidence.js';
import type { Grouping } from './grouping.js';
import { describeLink, shortName } from './reasons.js';

/**
 * What plain modularity gets wrong, fixed after clustering: hub tables (users, accounts) go
 * with the tables named after them rather than wherever Louvain left them; reference lists
 * used by many services (countries, currencies) become shared; small lookup tables follow the
 * service that uses them most; unconnected tables are placed by name or left unassigned.
 */

/** A lookup or reference list has at most this many columns. */
const LOOKUP_MAX_COLUMNS = 8;
/** Referenced from this many services or more: a hub (or, when lookup-shaped, shared). */
const HUB_MIN_SERVICES = 3;

/** group -> how many of the tables referencing `table` are in it. */
export function referenceSpread(grouping: Grouping, ev: Evidence, table: string): Map<number, number> {
  const by = new Map<number, number>();
  for (const r of ev.referencedBy.get(table) ?? []) {
    const g = grouping.groupOf.get(r);
    if (g !== undefined && r !== table) by.set(g, (by.get(g) ?? 0) + 1);
  }
  return by;
}

/**
 * Tables referenced by more tables than `hubFree`, from three or more clusters, none of which
 * holds a majority of the references: everyone's dependency, no one's domain (users,
 * currencies). A domain's central table referenced mostly from its own cluster is not one,
 * however often it is referenced.
 */
export function spreadHubs(grouping: Grouping, ev: Evidence, pins: ReadonlyMap<string, string>): Set<string> {
  const out = new Set<string>();
  for (const t of ev.tables) {
    if (pins.has(t)) continue;
    const by = referenceSpread(grouping, ev, t);
    const total = [...by.values()].reduce((s, n) => s + n, 0);
    if (total > WEIGHTS.hubFree && by.size >= HUB_MIN_SERVICES && Math.max(...by.values()) * 2 <= total) out.add(t);
  }
  return out;
}

export function refine(grouping: Grouping, ev: Evidence, pins: ReadonlyMap<string, string>): void {
  const lookups = lookupShaped(ev);
  const candidates = ev.tables.filter((t) => !pins.has(t) && grouping.groupOf.has(t));
  const spreadOf = (t: string) => referenceSpread(grouping, ev, t);
  // Hubs and shared tables are decided on the groups as Louvain left them, so the order of moves does not matter.
  const spread = new Map(candidates.map((t) => [t, spreadOf(t)]));

  for (const t of candidates) {
    const by = spread.get(t)!;
    if (by.size < HUB_MIN_SERVICES || !lookups.has(t)) continue;
    const referencing = ev.referencedBy.get(t)!.size;
    grouping.remove(t);
    grouping.shared.set(t, `reference table (${ev.columns.get(t)} columns, never written) used by ${referencing} tables in ${by.size} clusters`);
  }
  const hubs = new Set<string>();
  for (const t of candidates) {
    const by = spread.get(t)!;
    if (by.size < HUB_MIN_SERVICES || lookups.has(t)) continue;
    placeHub(grouping, ev, t, by.size);
    hubs.add(t);
  }
  followHubs(grouping, ev, pins, hubs);
  // Lookups follow their users where the hubs among them now are.
  for (const t of candidates) {
    if (spread.get(t)!.size >= HUB_MIN_SERVICES || !lookups.has(t)) continue;
    const by = spreadOf(t);
    if (by.size > 0) placeLookup(grouping, ev, t, by);
  }
  placeUnconnected(grouping, ev, pins);
  grouping.prune();
}

/**
 * Small, never written, pointing only at other such tables, and not sharing its subject with
 * a table that is not one: a list of values (statuses, countries), not an entity.
 */
function lookupShaped(ev: Evidence): Set<string> {
  const small = ev.tables.filter((t) => (ev.columns.get(t) ?? 0) <= LOOKUP_MAX_COLUMNS && !ev.written.has(t));
  const out = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const t of small) {
      if (out.has(t)) continue;
      if ([...(ev.outgoing.get(t) ?? [])].every((x) => x === t || out.has(x))) {
        out.add(t);
        changed = true;
      }
    }
  }
  const stemOf = (t: string) => ev.words.get(t)?.stem;
  const entityStems = new Set(ev.tables.filter((t) => !out.has(t)).map(stemOf));
  for (const t of [...out]) if (stemOf(t) !== undefined && entityStems.has(stemOf(t))) out.delete(t);
  return out;
}

function placeHub(grouping: Grouping, ev: Evidence, hub: string, clusters: number): void {
  const referencing = ev.referencedBy.get(hub)!.size;
  const head = `hub referenced by ${referencing} tables in ${clusters} clusters`;
  const stem = ev.words.get(hub)?.stem;
  const byStem = new Map<number, string[]>();
  for (const [n, p] of ev.neighbors.get(hub)!) {
    const g = grouping.groupOf.get(n);
    if (g === undefined || stem === undefined || p.nameWord !== stem || ev.words.get(n)?.stem !== stem) continue;
    byStem.set(g, [...(byStem.get(g) ?? []), n]);
  }
  const own = ownEvidence(grouping, ev, hub);
  if (byStem.size > 0) {
    const [g, partners] = [...byStem].sort((x, y) => y[1].length - x[1].length || (own.get(y[0])?.w ?? 0) - (own.get(x[0])?.w ?? 0) || x[0] - y[0])[0]!;
    const names = partners.sort().slice(0, 3).map(shortName).join(', ');
    grouping.place(hub, g, `${head}; placed with the tables sharing its name stem '${stem}' (${names})`);
    return;
  }
  if (own.size > 0) {
    const [g, best] = [...own].sort((x, y) => y[1].w - x[1].w || x[0] - y[0])[0]!;
    grouping.place(hub, g, `${head}; placed by its own strongest link: ${describeLink(best.p, hub)}`);
    return;
  }
  // Nothing but references: stay with the tables clustering found most tied to it, if any.
  const here = grouping.groupOf.get(hub)!;
  let closest: PairEvidence | undefined;
  for (const [n, p] of ev.neighbors.get(hub)!) if (n !== hub && grouping.groupOf.get(n) === here && (!closest || p.weight > closest.weight)) closest = p;
  if (closest) {
    grouping.place(hub, here, `${head}, tied to none by name, writes or its own foreign keys; kept with ${shortName(closest.a === hub ? closest.b : closest.a)}, tied to it most`);
    return;
  }
  grouping.place(hub, grouping.newGroup(), `${head}, and tied to none of them by name, writes or its own foreign keys: a service of its own`);
}

/**
 * A table whose every link is to hubs (or shared tables) has no domain but theirs: `sessions`
 * goes where `users` went. Tables tied to anything else, even only by name or schema, stay.
 */
function followHubs(grouping: Grouping, ev: Evidence, pins: ReadonlyMap<string, string>, hubs: ReadonlySet<string>): void {
  if (hubs.size === 0) return;
  for (const t of ev.tables) {
    if (pins.has(t) || hubs.has(t) || !grouping.groupOf.has(t)) continue;
    const links = [...ev.neighbors.get(t)!];
    if (links.length === 0 || !links.every(([n]) => hubs.has(n) || grouping.shared.has(n))) continue;
    let best: [string, PairEvidence] | undefined;
    for (const [n, p] of links) if (hubs.has(n) && (!best || p.weight > best[1].weight)) best = [n, p];
    if (!best) continue;
    const g = grouping.groupOf.get(best[0]);
    if (g === undefined || g === grouping.groupOf.get(t)) continue;
    grouping.place(t, g, `linked only to hubs, most to ${shortName(best[0])}: ${describeLink(best[1], t)}`);
  }
}

/**
 * A hub's evidence that is not just "everyone points at it": its own foreign keys, the
 * tables written with it, and names it shares. Per group: the summed weight and the strongest pair.
 */
function ownEvidence(grouping: Grouping, ev: Evidence, hub: string): Map<number, { w: number; p: PairEvidence; top: number }> {
  const out = new Map<number, { w: number; p: PairEvidence; top: number }>();
  for (const [n, p] of ev.neighbors.get(hub)!) {
    const g = grouping.groupOf.get(n);
    if (g === undefined || n === hub) continue;
    const outgoing = p.fks.some((fk) => `${fk.from.schema}.${fk.from.table}` === hub) ? p.fkWeight : 0;
    const w = outgoing + p.writeWeight + p.affinity;
    if (w <= 0) continue;
    const cur = out.get(g);
    if (!cur) out.set(g, { w, p, top: w });
    else {
      cur.w += w;
      if (w > cur.top) {
        cur.p = p;
        cur.top = w;
      }
    }
  }
  return out;
}

function placeLookup(grouping: Grouping, ev: Evidence, t: string, by: ReadonlyMap<number, number>): void {
  const total = [...by.values()].reduce((s, n) => s + n, 0);
  const current = grouping.groupOf.get(t);
  const [g, n] = [...by].sort((x, y) => y[1] - x[1] || (x[0] === current ? -1 : y[0] === current ? 1 : x[0] - y[0]))[0]!;
  if (g === current && by.size === 1) return;
  grouping.place(t, g, `lookup table (${ev.columns.get(t)} columns, never written): ${n} of the ${total} tables referencing it are in this service`);
}

/** Tables with no FK, join or write: placed by name (or schema) when a service shares it, else unassigned. */
function placeUnconnected(grouping: Grouping, ev: Evidence, pins: ReadonlyMap<string, string>): void {
  const referenced = (x: string) => ev.referencedBy.get(x)?.size ?? 0;
  for (const t of ev.tables) {
    const partner = (p: PairEvidence) => (p.a === t ? p.b : p.a);
    if (ev.structural.has(t) || pins.has(t) || grouping.shared.has(t)) continue;
    const byGroup = new Map<number, { w: number; p: PairEvidence }>();
    const loose: string[] = [];
    for (const [n, p] of ev.neighbors.get(t)!) {
      const g = grouping.groupOf.get(n);
      if (g === undefined || !ev.structural.has(n)) {
        if (p.affinity > 0) loose.push(n);
        continue;
      }
      const cur = byGroup.get(g);
      if (!cur) byGroup.set(g, { w: p.affinity, p });
      else {
        cur.w += p.affinity;
        // Name the most referenced partner: `products` says more than `product_images`.
        if (p.affinity > cur.p.affinity || (p.affinity === cur.p.affinity && referenced(n) > referenced(partner(cur.p)))) cur.p = p;
      }
    }
    const best = [...byGroup].sort((x, y) => y[1].w - x[1].w || x[0] - y[0])[0];
    if (best) {
      grouping.place(t, best[0], `no foreign keys, joins or writes with other tables; ${describeLink(best[1].p, t)}`);
    } else if (loose.length > 0) {
      grouping.unassigned.set(t, `no foreign keys, joins or writes with any table; shares a name only with other unconnected tables (${loose.sort().slice(0, 3).map(shortName).join(', ')})`);
    } else {
      grouping.unassigned.set(t, 'no foreign keys, joins or shared name with any table');
    }
  }
}
