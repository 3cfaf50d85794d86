import { createInterface } from 'node:readline';
import { withConnection } from '../../db/connect.js';
import { readPgStatStatements } from '../../db/pg-stat-statements.js';
import { UsageError } from '../../errors.js';
import type { SchemaModel } from '../../model/schema.js';
import type { Workload } from '../../model/workload.js';
import { ready } from '../sql-parser.js';
import { CsvParser, csvRecordToLog } from './csv-log.js';
import { LogCollector } from './log-collector.js';
import { createResolver } from './relation-resolver.js';
import { analyzeSqlText } from './sql-file-source.js';
import { TransactionTracker } from './transaction-tracker.js';
import { StatementAnalyzer } from './statement-analyzer.js';
import { StderrLogReader } from './stderr-log.js';
import { WorkloadAccumulator } from './workload-accumulator.js';
import { detectFormat, expandWorkloadSpec, openText, readHead, readText, unreadable, type WorkloadFile } from './workload-files.js';

export interface WorkloadContext {
  readonly schema: SchemaModel;
  /** Schemas for unqualified names, as the application's search_path (default `public`). */
  readonly searchPath?: readonly string[];
  /** The monolith, for the pg_stat_statements source. */
  readonly url?: string;
  /** Where relative paths and globs are resolved (default: the process's working directory). */
  readonly cwd?: string;
}

const PGSS = 'pg_stat_statements';

/**
 * Read every workload source and fold them into one workload. A spec is `pg_stat_statements`
 * (or `pgss`) for the monolith at `context.url`, or a path or glob of .sql files and server logs
 * (stderr `.log`, csvlog `.csv`, either gzipped). The same statement seen in several sources is
 * one query, its calls and time summed.
 */
export async function loadWorkload(specs: readonly string[], context: WorkloadContext): Promise<Workload> {
  await ready();
  const analyzer = new StatementAnalyzer(createResolver(context.schema, context.searchPath ?? ['public']));
  const accumulator = new WorkloadAccumulator();
  const cwd = context.cwd ?? process.cwd();
  const seen = new Set<string>();
  for (const spec of specs) {
    if (spec === PGSS || spec === 'pgss') {
      if (seen.has(PGSS)) continue;
      seen.add(PGSS);
      await loadPgStatStatements(context.url, analyzer, accumulator);
      continue;
    }
    for (const file of await expandWorkloadSpec(spec, cwd)) {
      // The same file named twice (a path and a glob) must not count twice.
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      await loadFile(file, analyzer, accumulator);
    }
  }
  return accumulator.result();
}

async function loadPgStatStatements(url: string | undefined, analyzer: StatementAnalyzer, accumulator: WorkloadAccumulator): Promise<void> {
  if (!url) throw new UsageError('the pg_stat_statements workload source needs a database', 'pass --url postgres://user:password@host/db');
  const rows = await withConnection(url, (client) => readPgStatStatements(client));
  accumulator.addSource(PGSS);
  for (const row of rows) {
    const analyses = analyzer.analyzeText(row.query);
    for (const a of analyses) {
      // One entry holding several statements is rare (a multi-statement simple query); its
      // counts then go to each.
      accumulator.add(a, { calls: row.calls, totalTimeMs: row.totalTimeMs, rows: row.rows, source: PGSS });
    }
  }
}

async function loadFile(file: WorkloadFile, analyzer: StatementAnalyzer, accumulator: WorkloadAccumulator): Promise<void> {
  const format = detectFormat(file.path, await readHead(file));
  accumulator.addSource(file.display);
  if (format === 'sql') {
    const text = await readText(file);
    const tracker = new TransactionTracker(file.display, false);
    analyzeSqlText(text, analyzer, (analysis, calls) => {
      accumulator.add(analysis, { calls, source: file.display });
      tracker.statement(file.display, undefined, analysis);
    });
    accumulator.addTransactions(tracker.result());
    return;
  }
  const collector = new LogCollector(file.display, analyzer, accumulator);
  const stream = openText(file.path);
  try {
    if (format === 'csvlog') {
      const parser = new CsvParser((fields) => {
        const record = csvRecordToLog(fields);
        if (record) collector.record(record);
      });
      for await (const chunk of stream) parser.push(chunk as string);
      parser.end();
    } else {
      const reader = new StderrLogReader((r) => collector.record(r));
      for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) reader.line(line);
      reader.end();
    }
  } catch (e) {
    throw unreadable(file, e);
  } finally {
    stream.destroy();
  }
  accumulator.addTransactions(collector.finish());
}
