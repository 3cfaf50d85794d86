import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serverUrl } from '../helpers/pg.js';
import { setupShadow, uniqueService, type ShadowFixture } from './shadow-stream-helpers.js';

/**
 * A change to a published table's columns stops the runner with E_SCHEMA_CHANGED, saying what
 * changed and how to resume; nothing after the change is applied. Once the service's schema has
 * the change too, the runner resumes and loses nothing.
 */

const SCHEMA = `CREATE TABLE orders (id int PRIMARY KEY, amount int NOT NULL);
INSERT INTO orders SELECT g, g FROM generate_series(1, 10) g;`;

const ENTRY = fileURLToPath(new URL('./shadow-faults-entry.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** dbsplit from source, as a child process. */
function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('shadow run: schema changes', () => {
  let f: ShadowFixture;

  beforeAll(async () => {
    f = await setupShadow({ service: uniqueService('sschema'), schemaSql: SCHEMA, tables: ['orders'], monolithServer: serverUrl(), targetServer: serverUrl() });
  });

  afterAll(async () => {
    await f?.cleanup();
  });

  it('stops on an added column, with what changed and how to resume, then resumes losing nothing', async () => {
    await f.mono(`INSERT INTO orders VALUES (11, 11)`);
    await f.catchUp();
    await f.mono(`ALTER TABLE orders ADD COLUMN note text`);
    await f.mono(`INSERT INTO orders VALUES (12, 12, 'after the change')`);
    await f.mono(`UPDATE orders SET note = 'noted' WHERE id <= 3`);

    const err = await f.catchUp().then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; hint?: string; oneLine(): string },
    );
    expect(err?.code).toBe('E_SCHEMA_CHANGED');
    expect(err!.message).toContain('table public.orders changed on the monolith: column note added (text)');
    expect(err!.hint).toContain(`run dbsplit generate`);
    expect(err!.hint).toContain(`dbsplit shadow run ${f.service}`);
    expect(err!.oneLine()).not.toContain('\n');
    expect(await f.target('SELECT id FROM orders WHERE id = 12')).toEqual([]);
    const [state] = await f.mono<{ last_error: string }>(`SELECT last_error FROM _dbsplit.sync_state WHERE service = $1`, [f.service]);
    expect(state!.last_error).toContain('column note added');

    // still stopped on a second try (nothing was acknowledged); the CLI says it in one line, exit 2
    const cli = await runCli(['shadow', 'run', f.service, '--plan', f.planPath, '--until-caught-up']);
    expect(cli.code).toBe(2);
    const errorLines = cli.stderr.split('\n').filter((l) => l.startsWith('error'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toContain('[E_SCHEMA_CHANGED] table public.orders changed on the monolith: column note added (text)');
    expect(errorLines[0]).toContain(`then dbsplit shadow run ${f.service})`);

    await f.target(`ALTER TABLE orders ADD COLUMN note text`);
    const r = await f.catchUp();
    expect(r.reason).toBe('caught-up');
    const d = await f.digests('orders', 'id');
    expect(d.target).toBe(d.source);
    expect(d.rows).toBe(12);
  });

  it('names a type change and a dropped column', async () => {
    await f.mono(`ALTER TABLE orders ALTER COLUMN amount TYPE bigint`);
    await f.mono(`UPDATE orders SET amount = 5000000000 WHERE id = 1`);
    await expect(f.catchUp()).rejects.toMatchObject({ code: 'E_SCHEMA_CHANGED', message: expect.stringContaining('column amount changed type (the service has integer, the monolith now bigint)') });
    await f.target(`ALTER TABLE orders ALTER COLUMN amount TYPE bigint`);
    await f.catchUp();

    await f.mono(`ALTER TABLE orders DROP COLUMN note`);
    await f.mono(`INSERT INTO orders VALUES (13, 13)`);
    await expect(f.catchUp()).rejects.toMatchObject({ code: 'E_SCHEMA_CHANGED', message: expect.stringContaining('column note dropped') });
    await f.target(`ALTER TABLE orders DROP COLUMN note`);
    await f.catchUp();
    const d = await f.digests('orders', 'id');
    expect(d.target).toBe(d.source);
    expect(d.rows).toBe(13);
  });
});
