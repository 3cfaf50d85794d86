import type { CompareResult } from '../../compare/types.js';
import { xmlEscape } from '../diff/junit.js';
import { countsText, sampleText, timingText } from './model.js';

/** JUnit XML for CI: one test case per check; a mismatch is a failure, a check that could not run an error. */

const secs = (ms: number) => (ms / 1000).toFixed(3);

export function renderCompareJunit(r: CompareResult): string {
  const attrs = `tests="${r.totals.checks}" failures="${r.totals.mismatched}" errors="${r.totals.errors}" skipped="0" time="${secs(r.durationMs)}"`;
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="dbsplit compare" ${attrs}>`, `  <testsuite name="dbsplit compare" ${attrs} timestamp="${xmlEscape(r.startedAt)}">`];
  lines.push('    <properties>', `      <property name="monolith" value="${xmlEscape(r.monolith)}"/>`, `      <property name="checks" value="${xmlEscape(r.checksDir)}"/>`, '    </properties>');
  for (const c of r.checks) {
    const open = `    <testcase classname="dbsplit.compare" name="${xmlEscape(c.name)}" file="${xmlEscape(c.file)}" time="${secs(c.durationMs)}"`;
    const out = `${c.candidate}; ${c.paramSets} parameter set(s), ${c.legacyRows} legacy rows, ${c.candidateRows} candidate rows; ${timingText(c)}`;
    if (c.status === 'error') {
      lines.push(`${open}>`, `      <error message="${xmlEscape(c.error ?? 'error')}" type="error"/>`, `      <system-out>${xmlEscape(out)}</system-out>`, '    </testcase>');
    } else if (c.status === 'mismatch') {
      const body = c.samples.map((s) => `${s.kind.padEnd(7)} ${sampleText(s)}`).join('\n');
      const message = `${c.candidate} differs from the legacy query in ${c.mismatchedSets} of ${c.paramSets} parameter set(s): ${countsText(c)}`;
      lines.push(`${open}>`, `      <failure message="${xmlEscape(message)}" type="mismatch">${xmlEscape(body)}</failure>`, `      <system-out>${xmlEscape(out)}</system-out>`, '    </testcase>');
    } else {
      lines.push(`${open}>`, `      <system-out>${xmlEscape(out)}</system-out>`, '    </testcase>');
    }
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}
