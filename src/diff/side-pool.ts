import type pg from 'pg';
import { connect, markOwn } from '../db/connect.js';

/**
 * A few connections to one side (the monolith or the service's database), all with the same
 * session settings, so that both sides turn every value into the same text.
 *
 * Why each setting:
 * - TimeZone, DateStyle, IntervalStyle, extra_float_digits, bytea_output, lc_monetary: the text
 *   of timestamptz, date, interval, float, bytea and money values depends on them, and the two
 *   databases may have different defaults (ALTER DATABASE ... SET). Equal data must hash equal.
 * - search_path = pg_catalog: names are always qualified here, and format_type() then qualifies
 *   every user type, so a cast written on one connection means the same on another.
 * - enable_sort = off: the planner cannot know that a bucket expression has few distinct
 *   values; it expects one group per row and would sort the whole range before grouping. A hash
 *   aggregate of a few thousand groups is what we want (a sort still happens where nothing
 *   else can give the order, e.g. sampling split points of a text key).
 * - work_mem: room for that hash table without spilling.
 * - jit = off: bucket expressions can be large CASE trees; compiling them costs more than it saves.
 */
export const SESSION_SETTINGS: Readonly<Record<string, string>> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'postgres',
  extra_float_digits: '3',
  bytea_output: 'hex',
  lc_monetary: 'C',
  standard_conforming_strings: 'on',
  search_path: 'pg_catalog',
  enable_sort: 'off',
  work_mem: '64MB',
  jit: 'off',
};

export function sessionSettingsSql(settings: Readonly<Record<string, string>> = SESSION_SETTINGS, local = false): string {
  return Object.entries(settings)
    .map(([k, v]) => `SET ${local ? 'LOCAL ' : ''}${k} = '${v.replace(/'/g, "''")}';`)
    .join(' ');
}

export class SidePool {
  private readonly idle: pg.Client[] = [];
  private readonly all: pg.Client[] = [];
  private readonly waiting: ((c: pg.Client) => void)[] = [];
  private opening = 0;
  private closed = false;

  private constructor(
    readonly url: string,
    readonly size: number,
    private readonly applicationName: string,
  ) {}

  /** Opens one connection at once, so a wrong URL fails before any work starts. */
  static async open(url: string, size: number, applicationName = 'dbsplit diff'): Promise<SidePool> {
    const pool = new SidePool(url, Math.max(1, size), applicationName);
    pool.release(await pool.newClient());
    return pool;
  }

  private async newClient(): Promise<pg.Client> {
    this.opening++;
    try {
      const client = await connect(this.url, { applicationName: this.applicationName });
      await client.query(sessionSettingsSql());
      this.all.push(client);
      return client;
    } finally {
      this.opening--;
    }
  }

  private async acquire(): Promise<pg.Client> {
    const free = this.idle.pop();
    if (free) return free;
    if (this.all.length + this.opening < this.size) return this.newClient();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(client: pg.Client): void {
    const next = this.waiting.shift();
    if (next) next(client);
    else this.idle.push(client);
  }

  /** Run `fn` on a connection of this side; the connection returns to the pool afterwards. */
  async use<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('connection pool closed');
    const client = await this.acquire();
    try {
      return await fn(client);
    } finally {
      this.release(client);
    }
  }

  /** One statement (marked as dbsplit's own, for pg_stat_statements workloads). */
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.use((c) => c.query<R>(markOwn(sql), params));
  }

  /** Rows as arrays of text (or null): every value is selected as text. */
  async rows(sql: string, params?: unknown[]): Promise<(string | null)[][]> {
    const res = await this.use((c) => c.query<(string | null)[]>({ text: markOwn(sql), values: params, rowMode: 'array' }));
    return res.rows;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.all.map((c) => c.end().catch(() => undefined)));
  }
}
