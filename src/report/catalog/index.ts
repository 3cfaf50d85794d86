import type { Styles } from '../../commands/output.js';
import type { Catalog } from '../../model/catalog.js';
import { renderCatalogDot } from './dot.js';
import { renderCatalogJson } from './json.js';
import { renderCatalogMarkdown } from './markdown.js';
import { renderCatalogMermaid } from './mermaid.js';
import { renderCatalogTable } from './table.js';

export type CatalogFormat = 'table' | 'json' | 'markdown' | 'mermaid' | 'dot';

export function renderCatalog(catalog: Catalog, format: CatalogFormat, options: { style: Styles; top: number }): string {
  switch (format) {
    case 'json':
      return renderCatalogJson(catalog);
    case 'markdown':
      return renderCatalogMarkdown(catalog, options.top);
    case 'mermaid':
      return renderCatalogMermaid(catalog);
    case 'dot':
      return renderCatalogDot(catalog);
    case 'table':
      return renderCatalogTable(catalog, options.style, options.top);
  }
}
