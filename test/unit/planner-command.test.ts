import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { makeStyles, type Output } from '../../src/commands/output.js';
import { parsePlanText } from '../../src/plan/load-plan.js';
import { runAutoPlan, runInteractivePlan } from '../../src/plan/plan-command.js';
import type { PlannerPrompts } from '../../src/plan/interactive/planner-ui.js';

/** The planner behind `dbsplit plan`, on real DDL files and plan files, with scripted answers. */

const SCHEMA = `CREATE TABLE users (id bigint PRIMARY KEY);
CREATE TABLE sessions (id bigint PRIMARY KEY, user_id bigint REFERENCES users(id));
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users(id));
CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint REFERENCES orders(id));
CREATE TABLE countries (code text PRIMARY KEY);
`;

function workdir(plan?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbsplit-planner-'));
  writeFileSync(join(dir, 'schema.sql'), SCHEMA);
  if (plan !== undefined) writeFileSync(join(dir, 'dbsplit.yaml'), plan);
  return dir;
}

function output(): Output & { text: () => string } {
  let text = '';
  return {
    out: (t) => void (text += t),
    err: (t) => void (text += t),
    isTTY: false,
    color: false,
    style: makeStyles(new Chalk({ level: 0 })),
    text: () => text,
  };
}

function scripted(answers: unknown[]): PlannerPrompts {
  const next = async () => {
    if (answers.length === 0) throw new Error('no more scripted answers');
    return answers.shift() as never;
  };
  return { select: next, checkbox: next, input: next, confirm: next, search: next };
}

const PLAN = `# ours
version: 1
monolith:
  ddl: [schema.sql]
services:
  identity:
    tables: [users, sessions]
    target:
      url: postgres://id-db/identity
      isolation: database
  ordering:
    tables: [order_*, orders]
    pin: [orders]
shared: [countries]
cutover:
  bakeDays: 3
`;

describe('dbsplit plan, interactive', () => {
  it('starts from the plan file and saves a rename in place, target and comments kept', async () => {
    const dir = workdir(PLAN);
    const out = output();
    const prompts = scripted(['rename', 'identity', 'accounts', 'save', 'quit']);
    const code = await runInteractivePlan({ cwd: dir }, out, { prompts });
    expect(code).toBe(0);
    expect(out.text()).toContain('Starting from dbsplit.yaml');
    expect(out.text()).toMatch(/identity\s+2\s+sessions, users/);
    expect(out.text()).toContain('✓ saved dbsplit.yaml: 2 services');
    const text = readFileSync(join(dir, 'dbsplit.yaml'), 'utf8');
    expect(text).toContain('# ours');
    expect(text).toContain('  accounts:\n    tables: [users, sessions]\n    target:\n      url: postgres://id-db/identity');
    // ordering did not change, so its glob stays as written.
    expect(text).toContain('tables: [order_*, orders]');
    expect(parsePlanText(text, 'x', {}).cutover?.bakeDays).toBe(3);
  });

  it('starts from a suggestion without a plan file, and quitting unsaved writes nothing', async () => {
    const dir = workdir();
    const out = output();
    const code = await runInteractivePlan({ cwd: dir, ddl: [join(dir, 'schema.sql')] }, out, { prompts: scripted(['show', 'quit', true]) });
    expect(code).toBe(0);
    expect(out.text()).toContain('No plan file yet: starting from a suggestion; saving writes dbsplit.yaml');
    expect(out.text()).toMatch(/unsaved changes/);
    expect(out.text()).toContain('Quit without saving');
    expect(existsSync(join(dir, 'dbsplit.yaml'))).toBe(false);
  });

  it('saves a new plan from the suggestion as a starter with the schema source filled in', async () => {
    const dir = workdir();
    const out = output();
    const ddl = join(dir, 'schema.sql');
    await runInteractivePlan({ cwd: dir, ddl: [ddl], write: join(dir, 'new.yaml') }, out, { prompts: scripted(['save', 'quit']) });
    const plan = parsePlanText(readFileSync(join(dir, 'new.yaml'), 'utf8'), 'new.yaml', {});
    expect(plan.monolith?.ddl).toEqual([ddl]);
    expect(Object.keys(plan.services).length).toBeGreaterThan(0);
    expect(out.text()).toContain(`wrote ${join(dir, 'new.yaml')}`);
  });

  it('refuses a --pin that contradicts the plan file', async () => {
    const dir = workdir(PLAN);
    await expect(runInteractivePlan({ cwd: dir, pinFlags: ['users=ordering'] }, output(), { prompts: scripted([]) })).rejects.toThrow(/plan file puts public\.users in identity/);
  });
});

describe('dbsplit plan --auto, core', () => {
  it('writes elsewhere as "save as": the settings of the plan file read come along', async () => {
    const dir = workdir(PLAN);
    const { report } = await runAutoPlan({ cwd: dir, write: join(dir, 'copy.yaml') });
    expect(report.written).toBe(join(dir, 'copy.yaml'));
    const text = readFileSync(join(dir, 'copy.yaml'), 'utf8');
    expect(text).toContain('# ours');
    expect(text).toContain('bakeDays: 3');
    expect(readFileSync(join(dir, 'dbsplit.yaml'), 'utf8')).toBe(PLAN);
    expect(report.suggestion.services.find((s) => s.tables.includes('public.orders'))?.name).toBe('ordering');
  });
});
