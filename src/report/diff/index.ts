import type { Styles } from '../../commands/output.js';
import { renderDiffJson } from './json.js';
import { renderDiffJunit } from './junit.js';
import { renderDiffMarkdown } from './markdown.js';
import type { DiffFormat, DiffReport } from './model.js';
import { renderDiffTable, renderFixDryRun } from './table.js';

export { DIFF_FORMATS, diffExitCode, type DiffFormat, type DiffReport } from './model.js';
export { diffJson } from './json.js';

export function renderDiff(report: DiffReport, format: DiffFormat, style: Styles): string {
  switch (format) {
    case 'json':
      return renderDiffJson(report);
    case 'junit':
      return renderDiffJunit(report);
    case 'markdown':
      return renderDiffMarkdown(report);
    case 'table':
      return report.fix?.mode === 'dry-run' ? renderFixDryRun(report, style) : renderDiffTable(report, style);
  }
}
