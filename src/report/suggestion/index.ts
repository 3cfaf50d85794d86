import type { Styles } from '../../commands/output.js';
import { renderSuggestionJson } from './json.js';
import { renderSuggestionMarkdown } from './markdown.js';
import type { SuggestionReport } from './model.js';
import { renderSuggestionTable } from './table.js';

export type { SuggestionReport } from './model.js';
export type SuggestionFormat = 'table' | 'json' | 'markdown';

export function renderSuggestion(report: SuggestionReport, format: SuggestionFormat, options: { style: Styles }): string {
  switch (format) {
    case 'json':
      return renderSuggestionJson(report);
    case 'markdown':
      return renderSuggestionMarkdown(report);
    case 'table':
      return renderSuggestionTable(report, options.style);
  }
}
