import { countsText, differenceText, moreText, type DiffReport } from './model.js';

/**
 * JUnit XML, the format CI systems show as tests: one test suite for the service, one test
 * case per table (a failure when the table differs, an error when it could not be compared).
 */

// XML 1.0 allows tab, newline, carriage return and characters from U+0020 on (minus a few).
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function xmlEscape(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const secs = (ms: number) => (ms / 1000).toFixed(3);
const MAX_LISTED = 50;

export function renderDiffJunit(report: DiffReport): string {
  const r = report.result;
  const failures = r.tables.filter((t) => t.error === undefined && t.missing + t.extra + t.changed > 0).length;
  const errors = r.tables.filter((t) => t.error !== undefined).length;
  const suite = `dbsplit diff ${r.service}`;
  const attrs = `tests="${r.tables.length}" failures="${failures}" errors="${errors}" skipped="0" time="${secs(r.durationMs)}"`;
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="dbsplit diff" ${attrs}>`, `  <testsuite name="${xmlEscape(suite)}" ${attrs} timestamp="${xmlEscape(r.startedAt)}">`];
  lines.push('    <properties>');
  for (const [k, v] of [['source', r.source], ['target', r.target], ['sourceLsn', r.sourceLsn ?? ''], ['settled', String(r.totals.settled)], ['runId', r.runId ?? '']] as const) {
    lines.push(`      <property name="${k}" value="${xmlEscape(v)}"/>`);
  }
  lines.push('    </properties>');
  for (const t of r.tables) {
    const open = `    <testcase classname="${xmlEscape(`dbsplit.diff.${r.service}`)}" name="${xmlEscape(t.table)}" time="${secs(t.durationMs)}"`;
    const out = `rows compared ${t.rowsCompared} (monolith ${t.sourceRows}, service ${t.targetRows}); settled ${t.settled}`;
    if (t.error !== undefined) {
      lines.push(`${open}>`, `      <error message="${xmlEscape(t.error)}" type="error"/>`, `      <system-out>${xmlEscape(out)}</system-out>`, '    </testcase>');
      continue;
    }
    if (t.missing + t.extra + t.changed === 0) {
      lines.push(`${open}>`, `      <system-out>${xmlEscape(out)}</system-out>`, '    </testcase>');
      continue;
    }
    const body = t.differences.slice(0, MAX_LISTED).map((d) => `${d.kind.padEnd(7)} ${differenceText(t, d)}`);
    const more = moreText(t, MAX_LISTED);
    if (more) body.push(more);
    const message = `${t.target} differs from ${t.table}: ${countsText(t)}`;
    lines.push(`${open}>`, `      <failure message="${xmlEscape(message)}" type="difference">${xmlEscape(body.join('\n'))}</failure>`, `      <system-out>${xmlEscape(out)}</system-out>`, '    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}
