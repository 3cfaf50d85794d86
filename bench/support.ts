import pg from 'pg';

/** What every benchmark needs: its numeric flags, database URLs, a client for a moment, a median. */

export function intArg(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer`);
  return v;
}

/** The URL of another database on the same server. */
export function dbUrl(server: string, database: string): string {
  const u = new URL(server);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function connectTo(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  // A benchmark kills servers and connections on purpose: an idle client's error must not end it.
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await connectTo(url);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
