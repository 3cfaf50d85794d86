import { renderDiffJunit } from '../report/diff/junit.js';
import { renderDiffMarkdown } from '../report/diff/markdown.js';
import type { DiffAllResult, FixDemoResult } from './diff-demo.js';

/**
 * What CI would publish for the demo's services: `diff.md` (a pull-request comment: every
 * service's diff, then the corrupted row found, repaired and checked again) and
 * `diff.junit.xml` (every service's diff as a test suite, one test case per table).
 */

export function demoDiffMarkdown(all: DiffAllResult, fix: FixDemoResult | undefined): string {
  const out = [
    '# dbsplit diff: the demo services',
    '',
    `${all.services.length} services, ${all.tables} tables, ${all.rowsCompared.toLocaleString('en-US')} rows compared while shadow sync was running: ${all.clean ? 'all clean' : `${all.differences} difference(s)`}.`,
    '',
  ];
  for (const d of all.services) out.push(demote(renderDiffMarkdown(d.report)));
  if (fix) {
    const c = fix.corruption;
    out.push(
      '# A corrupted row, found and fixed',
      '',
      `The demo changed \`${c.column}\` of the row \`${c.keyColumn}=${c.key}\` of \`${c.table}\` directly in ${c.service}'s database. \`dbsplit diff ${c.service}\` found it, \`dbsplit diff ${c.service} --fix\` repaired it, and the next diff was clean.`,
      '',
      `**1. \`dbsplit diff ${c.service}\`** finds the row:`,
      '',
      demote(renderDiffMarkdown(fix.found)),
      `**2. \`dbsplit diff ${c.service} --fix\`** finds it again and repairs it:`,
      '',
      demote(renderDiffMarkdown(fix.fixed)),
      `**3. \`dbsplit diff ${c.service}\`** once more:`,
      '',
      demote(renderDiffMarkdown(fix.after)),
    );
  }
  return out.join('\n');
}

/** The per-service renderings are whole documents: one level down under the demo's headings. */
function demote(markdown: string): string {
  return markdown.replace(/^(#{1,5}) /gm, '#$1 ');
}

/** Every service's suite in one document (renderDiffJunit writes one suite per document). */
export function demoDiffJunit(all: DiffAllResult): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let ms = 0;
  for (const d of all.services) {
    const r = d.report.result;
    const xml = renderDiffJunit(d.report);
    const start = xml.indexOf('  <testsuite ');
    const end = xml.lastIndexOf('  </testsuite>');
    if (start < 0 || end < 0) throw new Error('demo: unexpected JUnit rendering of a diff');
    suites.push(xml.slice(start, end + '  </testsuite>'.length));
    tests += r.tables.length;
    failures += r.tables.filter((t) => t.error === undefined && t.missing + t.extra + t.changed > 0).length;
    errors += r.tables.filter((t) => t.error !== undefined).length;
    ms += r.durationMs;
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dbsplit diff" tests="${tests}" failures="${failures}" errors="${errors}" skipped="0" time="${(ms / 1000).toFixed(3)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
