import type { GeneratedFile, GenerateContext } from '../types.js';
import { buildServiceDdl, SECTIONS, type DdlSection, type ServiceDdl } from './statements.js';

export { buildServiceDdl, type DdlStatement, type ReferenceIndex, type ServiceDdl } from './statements.js';
export type { RemovedForeignKey } from './service-scope.js';

const SECTION_TITLES: Record<DdlSection, string> = {
  schemas: 'Schemas',
  types: 'Types (enums and domains the tables use)',
  sequences: 'Sequences',
  tables: 'Tables',
  indexes: 'Indexes',
  'foreign-keys': 'Foreign keys (both sides in this service)',
  comments: 'Comments',
};

const comment = (line: string) => (line === '' ? '--' : `-- ${line}`);

/** schema.sql: loads into an empty database with psql -v ON_ERROR_STOP=1 -f, or as one query. */
export function renderSchemaSql(ddl: ServiceDdl): string {
  const out: string[] = ddl.header.map(comment);
  for (const section of SECTIONS) {
    const statements = ddl.statements.filter((s) => s.section === section);
    if (statements.length === 0) continue;
    out.push('', `-- ${SECTION_TITLES[section]}`, '-- ' + '-'.repeat(SECTION_TITLES[section].length));
    for (const note of ddl.sectionNotes[section] ?? []) out.push(comment(note));
    if ((ddl.sectionNotes[section] ?? []).length > 0) out.push('');
    let previousHadNotes = false;
    for (const s of statements) {
      const notes = s.notes ?? [];
      // A statement with its own comment stands apart from its neighbours.
      const multiline = s.sql.includes('\n');
      if ((notes.length > 0 || multiline || previousHadNotes) && out[out.length - 1] !== '' && section !== 'sequences') out.push('');
      for (const n of notes) out.push(comment(n));
      out.push(`${s.sql};`);
      previousHadNotes = notes.length > 0 || multiline;
    }
  }
  return out.join('\n') + '\n';
}

/** `<service>/schema.sql` for every service of the plan. */
export function generateSchemaFiles(ctx: GenerateContext, ddls: readonly ServiceDdl[] = ctx.plan.services.map((s) => buildServiceDdl(ctx, s.name))): GeneratedFile[] {
  return ddls.map((ddl) => ({ path: `${ddl.service}/schema.sql`, content: renderSchemaSql(ddl) }));
}
