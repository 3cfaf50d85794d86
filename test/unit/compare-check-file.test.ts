import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadChecks, parseCheckText } from '../../src/compare/check-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dbsplit-checkfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VALID = `version: 1
checks:
  - name: one
    legacy: { sql: "SELECT 1 AS x" }
    candidate: { service: orders, sql: "SELECT 1 AS x" }
  - name: two
    legacy:
      sql: SELECT id FROM t WHERE id = :id
    candidate:
      composition: ../orders/compositions/two.ts
      function: twoFn
    params:
      from: select id from t limit 3
    key: [id]
    tolerance: { numeric: 0.5, timestamp: ms }
    ordered: true
`;

describe('check files', () => {
  it('reads checks with their line, resolving compositions against the file', () => {
    const checks = parseCheckText(VALID, '/x/checks/a.yaml');
    expect(checks.map((c) => [c.name, c.line, c.ordered])).toEqual([['one', 3], ['two', 6]].map(([n, l]) => [n, l, n === 'one' ? 'auto' : true]));
    expect(checks[1]!.candidate).toEqual({ kind: 'composition', path: '/x/orders/compositions/two.ts', functionName: 'twoFn' });
    expect(checks[1]!.params).toEqual({ kind: 'sampled', sql: 'select id from t limit 3' });
    expect(checks[0]!.params).toEqual({ kind: 'none' });
  });

  it.each([
    ['an unknown key, with its line', VALID.replace('    key: [id]', '    kee: [id]'), /a\.yaml:6: checks\.1: Unrecognized key.*kee/],
    ['both sql and composition', VALID.replace('      function: twoFn', '      function: twoFn\n      sql: SELECT 1'), /a\.yaml:10: checks\.1\.candidate: give exactly one of sql or composition/],
    ['sql without service', VALID.replace('{ service: orders, sql: "SELECT 1 AS x" }', '{ sql: "SELECT 1 AS x" }'), /checks\.0\.candidate\.service: a sql candidate needs the service/],
    ['a bad timestamp precision', VALID.replace('timestamp: ms', 'timestamp: hours'), /a\.yaml:15: checks\.1\.tolerance\.timestamp/],
    ['a wrong version', VALID.replace('version: 1', 'version: 2'), /a\.yaml:1: version: version must be 1/],
    ['invalid YAML', 'version: 1\nchecks: [\n', /a\.yaml:\d+: invalid YAML/],
    ['a key column also ignored', VALID.replace('    key: [id]', '    key: [id]\n    ignore: [id]'), /checks\.1\.ignore: id is also in key/],
  ])('rejects %s', (_what, text, message) => {
    expect(() => parseCheckText(text, 'a.yaml')).toThrow(message);
  });

  it('loads a directory recursively and refuses a name used twice', async () => {
    mkdirSync(join(dir, 'ok', 'nested'), { recursive: true });
    writeFileSync(join(dir, 'ok', 'a.yaml'), VALID);
    writeFileSync(join(dir, 'ok', 'nested', 'b.yml'), VALID.replace('name: one', 'name: three').replace('name: two', 'name: four'));
    writeFileSync(join(dir, 'ok', 'notes.txt'), 'not a check');
    expect((await loadChecks(join(dir, 'ok'))).map((c) => c.name)).toEqual(['one', 'two', 'three', 'four']);
    writeFileSync(join(dir, 'ok', 'nested', 'c.yaml'), VALID);
    await expect(loadChecks(join(dir, 'ok'))).rejects.toThrow(/c\.yaml:3: check name "one" is already used at .*a\.yaml:3/);
    await expect(loadChecks(join(dir, 'missing'))).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
    mkdirSync(join(dir, 'empty'));
    await expect(loadChecks(join(dir, 'empty'))).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
