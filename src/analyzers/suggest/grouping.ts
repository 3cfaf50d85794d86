/**
 * A partition of the tables being worked on: numbered groups (future services), plus the
 * tables set aside as shared or unassigned, and the reason behind any placement that is not
 * simply "its strongest link is inside the group".
 */
export class Grouping {
  readonly groups = new Map<number, Set<string>>();
  readonly groupOf = new Map<string, number>();
  /** group -> the pinned service it is. */
  readonly pinned = new Map<number, string>();
  /** table -> why it was placed where it is, when that is not its strongest link. */
  readonly why = new Map<string, string>();
  readonly shared = new Map<string, string>();
  readonly unassigned = new Map<string, string>();
  private next = 0;

  newGroup(): number {
    const id = this.next++;
    this.groups.set(id, new Set());
    return id;
  }

  place(table: string, group: number, why?: string): void {
    this.remove(table);
    this.groups.get(group)!.add(table);
    this.groupOf.set(table, group);
    if (why !== undefined) this.why.set(table, why);
  }

  remove(table: string): void {
    const g = this.groupOf.get(table);
    if (g === undefined) return;
    this.groups.get(g)!.delete(table);
    this.groupOf.delete(table);
    this.why.delete(table);
  }

  /** Forget groups left empty by moves (pinned ones stay: they are services whatever happens). */
  prune(): void {
    for (const [g, members] of [...this.groups]) if (members.size === 0 && !this.pinned.has(g)) this.groups.delete(g);
  }

  /** Drop a group and return its tables, now in no group. */
  dissolve(group: number): string[] {
    const members = [...(this.groups.get(group) ?? [])];
    for (const t of members) {
      this.groupOf.delete(t);
      this.why.delete(t);
    }
    this.groups.delete(group);
    this.pinned.delete(group);
    return members;
  }

  /** Move every table of `from` into `into`; `into` keeps its pin, or takes `from`'s. */
  merge(into: number, from: number): void {
    for (const t of [...this.groups.get(from)!]) {
      this.groups.get(into)!.add(t);
      this.groupOf.set(t, into);
    }
    const pin = this.pinned.get(from);
    if (pin !== undefined && !this.pinned.has(into)) this.pinned.set(into, pin);
    this.pinned.delete(from);
    this.groups.delete(from);
  }

  /** Groups that will become services (non-empty ones). */
  serviceGroups(): number[] {
    return [...this.groups.entries()].filter(([, s]) => s.size > 0).map(([g]) => g).sort((a, b) => a - b);
  }
}
