import type { Command } from 'commander';
import { collect, splitSearchPath } from './format.js';
import type { SetExitCode } from './index.js';
import type { Output } from './output.js';

interface InitCliOptions {
  url?: string;
  ddl?: string[];
  workload?: string[];
  searchPath?: string;
  services?: string;
  infer: boolean;
  out: string;
  force?: boolean;
}

export function registerInit(program: Command, output: Output, setExitCode: SetExitCode): void {
  program
    .command('init')
    .description('write a commented starter plan (dbsplit.yaml); with --url or --ddl its services are a suggested first draft')
    .option('--url <url>', 'the monolith (its password is not written: the file refers to ${MONOLITH_PASSWORD})')
    .option('--ddl <files...>', 'the monolith schema as DDL files or globs')
    .option('--workload <source>', 'a workload source for the suggestion and the file: pg_stat_statements, a .sql file, a server log; repeatable', collect)
    .option('--search-path <schemas>', 'schemas for unqualified names, comma-separated (default: public)')
    .option('--services <n>', 'how many services the first draft should have (default: as the clustering finds)')
    .option('--no-infer', 'do not infer foreign keys from column names')
    .option('--out <file>', 'where to write the plan', 'dbsplit.yaml')
    .option('--force', 'overwrite the file if it exists')
    .action(async (opts: InitCliOptions) => {
      const { initPlanFile } = await import('../plan/starter-plan.js');
      const result = await initPlanFile({
        out: opts.out,
        force: Boolean(opts.force),
        url: opts.url,
        ddl: opts.ddl,
        workload: opts.workload,
        searchPath: splitSearchPath(opts.searchPath),
        infer: opts.infer,
        services: opts.services,
      });
      const s = output.style;
      const draft = result.services > 0 ? ` with a first draft of ${result.services} service${result.services === 1 ? '' : 's'} for ${result.tables} tables` : '';
      output.out(`${s.ok('✓')} wrote ${result.path}${draft}\n`);
      for (const note of result.notes) output.out(`  ${s.warn('note:')} ${note}\n`);
      for (const name of result.env) {
        const what = name === 'MONOLITH_PASSWORD' ? "the monolith's password (URL-encoded); it is not written to the file" : "the monolith's connection URL, e.g. postgres://user@host:5432/db";
        output.out(`  export ${name}=...   ${s.dim(what)}\n`);
      }
      output.out(
        s.dim(
          result.services > 0
            ? `  next: dbsplit analyze --plan ${result.path} shows what crosses the boundaries; dbsplit plan edits them\n`
            : `  next: dbsplit plan --auto --plan ${result.path} --write suggests the services; dbsplit plan edits them\n`,
        ),
      );
      setExitCode(0);
    });
}
