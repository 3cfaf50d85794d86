/**
 * bench/analyze: `dbsplit analyze` end to end (the built CLI, as a user runs it) on a schema of
 * 1,000 tables and 2,000 foreign keys and a workload of 100,000 statements, against the time
 * libpg-query alone needs to parse the same text, in the same run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModule, parseSync } from 'libpg-query';
import { mulberry32 } from '../src/analyzers/suggest/rng.js';
import { median } from './support.js';

const TABLES = 1000;
const FKS = 2000;
const STATEMENTS = 100_000;
const RUNS = 3;


interface Generated {
  readonly ddl: string;
  readonly workload: string;
}

export function generate(): Generated {
  const r = mulberry32(42);
  const pick = (n: number) => Math.floor(r() * n);
  const name = (i: number) => `t${String(i).padStart(4, '0')}`;
  // Each table gets two references to earlier tables (table 0 and 1 get fewer): 2,000 FKs.
  const refs: number[][] = Array.from({ length: TABLES }, () => []);
  let fkCount = 0;
  for (let i = 1; fkCount < FKS; i = (i % (TABLES - 1)) + 1) {
    const target = pick(i);
    if (!refs[i]!.includes(target)) {
      refs[i]!.push(target);
      fkCount++;
    }
  }
  const ddl: string[] = ['SET search_path = public;'];
  const alters: string[] = [];
  for (let i = 0; i < TABLES; i++) {
    const cols = ['id bigint NOT NULL', 'name text NOT NULL', 'status smallint DEFAULT 0', 'payload jsonb', 'created_at timestamp with time zone DEFAULT now() NOT NULL'];
    refs[i]!.forEach((t, k) => cols.push(`${name(t)}_id bigint${k === 0 ? ` REFERENCES public.${name(t)}(id) ON DELETE CASCADE` : ''}`));
    ddl.push(`CREATE TABLE public.${name(i)} (\n    ${cols.join(',\n    ')}\n);`);
    alters.push(`ALTER TABLE ONLY public.${name(i)}\n    ADD CONSTRAINT ${name(i)}_pkey PRIMARY KEY (id);`);
    refs[i]!.slice(1).forEach((t) => alters.push(`ALTER TABLE ONLY public.${name(i)}\n    ADD CONSTRAINT ${name(i)}_${name(t)}_id_fkey FOREIGN KEY (${name(t)}_id) REFERENCES public.${name(t)}(id);`));
    ddl.push(`CREATE INDEX ${name(i)}_created_at_idx ON public.${name(i)} USING btree (created_at);`);
  }
  const stmts: string[] = [];
  for (let s = 0; s < STATEMENTS; s++) {
    const i = 1 + pick(TABLES - 1);
    const t = name(i);
    const ref = refs[i]!;
    const v = pick(1_000_000);
    switch (s % 8) {
      case 0:
      case 1:
      case 2: {
        const other = ref.length > 0 ? name(ref[pick(ref.length)]!) : name(0);
        stmts.push(`SELECT a.id, a.name, b.name FROM ${t} a JOIN ${other} b ON b.id = a.${other}_id WHERE a.id = ${v} AND a.status = ${v % 5}`);
        break;
      }
      case 3: {
        const [x, y] = [ref[0] ?? 0, ref[1] ?? 0].map(name) as [string, string];
        stmts.push(`SELECT a.id FROM ${t} a, ${x} b, ${y} c WHERE b.id = a.${x}_id AND c.id = a.${y}_id AND a.created_at > now() - interval '${v % 30} days' ORDER BY a.id LIMIT 50`);
        break;
      }
      case 4:
        stmts.push(`UPDATE ${t} SET status = ${v % 7}, name = 'n${v}' WHERE id = ${v}`);
        break;
      case 5:
        stmts.push(`INSERT INTO ${t} (id, name, payload) VALUES (${v}, 'x${v}', '{"k": ${v}}')`);
        break;
      case 6: {
        const other = ref.length > 0 ? name(ref[0]!) : name(0);
        stmts.push(`SELECT count(*) FROM ${t} a WHERE EXISTS (SELECT 1 FROM ${other} b WHERE b.id = a.${other}_id AND b.status = ${v % 3})`);
        break;
      }
      default:
        stmts.push(`DELETE FROM ${t} WHERE id = ${v}`);
    }
  }
  return { ddl: [...ddl, ...alters].join('\n\n') + '\n', workload: stmts.join(';\n') + ';\n' };
}


export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dbsplit-bench-analyze-'));
  try {
    const { ddl, workload } = generate();
    const ddlPath = join(dir, 'schema.sql');
    const workloadPath = join(dir, 'workload.sql');
    writeFileSync(ddlPath, ddl);
    writeFileSync(workloadPath, workload);
    console.log(`bench/analyze: ${TABLES} tables, ${FKS} foreign keys, ${STATEMENTS.toLocaleString('en-US')} statements (${((ddl.length + workload.length) / 1e6).toFixed(1)} MB of SQL)`);

    await loadModule();
    // The anchor is libpg-query's parse of the same text, the faster of two ways: each file in
    // one call, or statement by statement (smaller trees to hand across from WebAssembly).
    const wholeTimes: number[] = [];
    const eachTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t0 = performance.now();
      const a = parseSync(readFileSync(ddlPath, 'utf8'));
      const b = parseSync(readFileSync(workloadPath, 'utf8'));
      wholeTimes.push(performance.now() - t0);
      if (!a.stmts?.length || b.stmts?.length !== STATEMENTS) throw new Error(`parse anchor saw ${b.stmts?.length} statements`);
      t0 = performance.now();
      parseSync(readFileSync(ddlPath, 'utf8'));
      let n = 0;
      for (const stmt of readFileSync(workloadPath, 'utf8').split(';\n')) if (stmt.trim()) n += parseSync(stmt).stmts?.length ?? 0;
      eachTimes.push(performance.now() - t0);
      if (n !== STATEMENTS) throw new Error(`parse anchor saw ${n} statements`);
    }
    const parseTimes = median(eachTimes) < median(wholeTimes) ? eachTimes : wholeTimes;
    console.log(`  libpg-query, whole files: ${(median(wholeTimes) / 1000).toFixed(2)} s; statement by statement: ${(median(eachTimes) / 1000).toFixed(2)} s (the faster is the anchor)`);

    const bin = fileURLToPath(new URL('../bin/dbsplit.js', import.meta.url));
    const analyzeTimes: number[] = [];
    let summary = '';
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const res = spawnSync(process.execPath, [bin, 'analyze', '--ddl', ddlPath, '--workload', workloadPath, '--format', 'json'], { maxBuffer: 1 << 30, encoding: 'utf8' });
      analyzeTimes.push(performance.now() - t0);
      if (res.status !== 0) throw new Error(`dbsplit analyze failed (${res.status}): ${res.stderr}`);
      const doc = JSON.parse(res.stdout) as { tables: unknown[]; foreignKeys: unknown[]; queries: unknown[]; joins: unknown[] };
      summary = `${doc.tables.length} tables, ${doc.foreignKeys.length} foreign keys, ${doc.queries.length} distinct statements, ${doc.joins.length} join predicates`;
    }
    const parse = median(parseTimes);
    const analyze = median(analyzeTimes);
    console.log(`  dbsplit analyze saw: ${summary}`);
    console.log(`  libpg-query parse alone (anchor): ${(parse / 1000).toFixed(2)} s  (median of ${RUNS}: ${parseTimes.map((t) => (t / 1000).toFixed(2)).join(', ')})`);
    console.log(`  dbsplit analyze end to end:       ${(analyze / 1000).toFixed(2)} s  (median of ${RUNS}: ${analyzeTimes.map((t) => (t / 1000).toFixed(2)).join(', ')})`);
    console.log(`  ratio analyze / parse: ${(analyze / parse).toFixed(2)}x  (goal: under 2x, and under 10 s in all)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
