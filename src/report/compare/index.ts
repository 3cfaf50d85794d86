import type { Styles } from '../../commands/output.js';
import type { CompareResult } from '../../compare/types.js';
import { renderCompareJson } from './json.js';
import { renderCompareJunit } from './junit.js';
import { renderCompareMarkdown } from './markdown.js';
import type { CompareFormat } from './model.js';
import { renderCompareTable } from './table.js';

export { COMPARE_FORMATS, type CompareFormat } from './model.js';
export { compareJson } from './json.js';

export function renderCompare(result: CompareResult, format: CompareFormat, style: Styles): string {
  switch (format) {
    case 'json':
      return renderCompareJson(result);
    case 'junit':
      return renderCompareJunit(result);
    case 'markdown':
      return renderCompareMarkdown(result);
    case 'table':
      return renderCompareTable(result, style);
  }
}
