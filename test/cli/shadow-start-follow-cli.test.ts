import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { compareTable, customFixture, withClient, type ShadowFixture } from '../helpers/shadow-lifecycle-fixture.js';

/** `dbsplit shadow start --follow`: backfill, then stream in the same process until shadow stop. */

const SCHEMA = `
CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);
INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 200) g;
`;

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('dbsplit shadow start --follow (CLI)', () => {
  let f: ShadowFixture;

  beforeAll(async () => {
    f = await customFixture('shfollow', SCHEMA, { tables: ['notes'] });
  });

  afterAll(async () => {
    await f?.cleanup();
  });

  it('refuses --follow with --dry-run, and --until-caught-up without --follow', async () => {
    const both = await runCli(['shadow', 'start', f.service, '--follow', '--dry-run', '--plan', f.planPath]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--follow cannot go with --dry-run');
    const alone = await runCli(['shadow', 'start', f.service, '--until-caught-up', '--plan', f.planPath]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--until-caught-up goes with --follow');
  });

  it('copies, streams what the monolith writes meanwhile, and exits 0 on shadow stop with one JSON document', async () => {
    const child = spawn(process.execPath, [BIN, 'shadow', 'start', f.service, '--follow', '--json', '--plan', f.planPath], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    try {
      const target = `${f.targetUrl}`;
      const count = (url: string) => withClient(url, async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM notes')).rows[0]!.n);
      await waitFor('the backfill', async () => (await count(target).catch(() => 0)) === 200);
      await f.monolith.exec(`INSERT INTO notes SELECT g, 'later ' || g FROM generate_series(201, 260) g; UPDATE notes SET body = body || '!' WHERE id <= 10; DELETE FROM notes WHERE id BETWEEN 50 AND 54`);
      await waitFor('the stream', async () => (await count(target)) === 255);
      const stop = await runCli(['shadow', 'stop', f.service, '--plan', f.planPath]);
      expect(stop.code, stop.stderr).toBe(0);
      expect(await exited, stderr).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    const doc = JSON.parse(stdout) as { version: number; phase: string; backfill: unknown; run: { reason: string; appliedChanges: number } };
    expect(doc.version).toBe(1);
    expect(doc.phase).toBe('shadowing');
    expect(doc.run.reason).toBe('stopped');
    expect(doc.run.appliedChanges).toBe(75);
    const cmp = await compareTable(f.monolith.url, f.targetUrl, { schema: 'public', name: 'notes' });
    expect(cmp.target).toEqual(cmp.source);
  });
});
