import { parseText, splitStatements } from '../sql-parser.js';
import type { StatementAnalysis } from './query-shape.js';
import { chunkSql, hasAtomicBodies, splitTopLevel } from './sql-chunks.js';
import type { StatementAnalyzer } from './statement-analyzer.js';

/**
 * A .sql workload file: statements separated by semicolons, each optionally preceded by a
 * `-- calls: N` comment line saying how often it runs (default 1). `-- name:` and other
 * comments are ignored.
 */
export function analyzeSqlText(
  text: string,
  analyzer: StatementAnalyzer,
  /** `analysis.sql` is the first text seen of that statement; `sql` is this one's. */
  onStatement: (analysis: StatementAnalysis, calls: number, sql: string) => void,
): void {
  const body = withoutMetaCommands(text);
  if (!hasAtomicBodies(body)) {
    // Split in JavaScript and let the analyzer's cache skip statements it has seen with other
    // constants: most of a big workload file is the same few statements again.
    let previousEnd = 0;
    for (const piece of splitTopLevel(body)) {
      const calls = callsHint(body, previousEnd, piece.start);
      previousEnd = piece.end;
      const analyses = analyzer.analyzeText(piece.text);
      for (const a of analyses) onStatement(a, calls, analyses.length === 1 ? piece.text : a.sql);
    }
    return;
  }
  for (const chunk of chunkSql(body)) {
    const outcome = parseText(chunk);
    let previousEnd = 0;
    if (outcome.ok) {
      for (const s of outcome.statements) {
        const calls = callsHint(chunk, previousEnd, s.start);
        previousEnd = s.start + s.text.length;
        onStatement(analyzer.analyzeParsed(s.text, s.stmt), calls, s.text);
      }
      continue;
    }
    // Something in this piece does not parse: split with the real scanner and parse each
    // statement alone, so one bad statement does not lose the others.
    for (const piece of splitStatements(chunk)) {
      const calls = callsHint(chunk, previousEnd, piece.start);
      previousEnd = piece.start + piece.text.length;
      const analyses = analyzer.analyzeText(piece.text);
      for (const a of analyses) onStatement(a, calls, analyses.length === 1 ? piece.text : a.sql);
    }
  }
}

const CALLS = /^[ \t]*--[ \t]*calls:[ \t]*(\d+)[ \t]*\r?$/gm;

/** The `-- calls: N` comment between the previous statement's end and this one's start. */
function callsHint(text: string, from: number, to: number): number {
  const gap = text.slice(from, to);
  if (!gap.includes('calls')) return 1;
  let calls = 1;
  CALLS.lastIndex = 0;
  for (let m = CALLS.exec(gap); m; m = CALLS.exec(gap)) {
    // The first line of the gap is the tail of the previous statement's line, not a line of its own.
    if (m.index === 0 && from > 0 && text.charCodeAt(from - 1) !== 10) continue;
    calls = Number(m[1]);
  }
  return calls;
}

/** psql meta-commands (`\set`, `\timing`) are not SQL; blank them out, keeping offsets. */
function withoutMetaCommands(text: string): string {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (!/(^|\n)[ \t]*\\/.test(body)) return body;
  return body.replace(/^[ \t]*\\[^\n]*/gm, (line) => ' '.repeat(line.length));
}
