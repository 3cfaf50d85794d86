import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverUrl } from '../helpers/pg.js';
import { setupShadow, uniqueService, type ShadowFixture } from './shadow-stream-helpers.js';

/**
 * A transaction far larger than the runner's heap: the runner (a child process with its heap
 * capped at 96 MB) must stream it through into one target transaction without holding it, and
 * the target must see all of it or none of it.
 */

const ENTRY = fileURLToPath(new URL('./shadow-faults-entry.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ROWS = 100_000;
const PAYLOAD = 1536;

function runCli(args: readonly string[], onStderr: (text: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=96', '--import', 'tsx', ENTRY, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr(d.toString());
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('shadow run: a transaction larger than memory', () => {
  let f: ShadowFixture;

  beforeAll(async () => {
    f = await setupShadow({
      service: uniqueService('slargetx'),
      schemaSql: `CREATE TABLE events (id int PRIMARY KEY, payload text NOT NULL); INSERT INTO events VALUES (0, 'seed');`,
      tables: ['events'],
      monolithServer: serverUrl(),
      targetServer: serverUrl(),
    });
  });

  afterAll(async () => {
    await f?.cleanup();
  });

  it(`applies one ${ROWS.toLocaleString('en-US')}-row transaction (about ${Math.round((ROWS * PAYLOAD) / 1e6)} MB) with a 96 MB heap, all at once`, async () => {
    // Under the TOAST threshold, so every row carries its whole payload through the WAL.
    await f.mono(`INSERT INTO events SELECT g, repeat(md5(g::text), ${PAYLOAD / 32}) FROM generate_series(1, ${ROWS}) g`);
    const partial: number[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const [row] = await f.target<{ n: number }>('SELECT count(*)::int AS n FROM events').catch(() => [{ n: -1 }]);
        partial.push(row!.n);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const r = await runCli(['shadow', 'run', f.service, '--plan', f.planPath, '--until-caught-up', '--batch-size', '1000', '--json'], () => undefined);
    polling = false;
    await poll;
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { reason: string; appliedChanges: number };
    expect(doc.reason).toBe('caught-up');
    expect(doc.appliedChanges).toBe(ROWS);
    // Other readers of the target never saw part of the monolith's transaction.
    expect(partial.filter((n) => n !== 1 && n !== ROWS + 1)).toEqual([]);
    const d = await f.digests('events', 'id');
    expect(d.target).toBe(d.source);
    expect(d.rows).toBe(ROWS + 1);
  });
});
