import type { GenerateContext, GeneratedFile } from '../types.js';
import { buildAllReferences } from './build-references.js';
import { renderReferencesMarkdown } from './render-markdown.js';

export type { ServiceReferences } from './references-model.js';
export { buildAllReferences } from './build-references.js';
export { copiedColumns } from './copies.js';
export { columnUsage } from './column-usage.js';

/** `<service>/references.md` and `<service>/references.json` for every service of the plan. */
export function generateReferences(ctx: GenerateContext): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  for (const refs of buildAllReferences(ctx)) {
    files.push({ path: `${refs.service}/references.json`, content: JSON.stringify(refs, null, 2) + '\n' });
    files.push({ path: `${refs.service}/references.md`, content: renderReferencesMarkdown(refs) });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
