import type { Command } from 'commander';
import { addFormatOption, collect, resolveFormat, splitSearchPath } from './format.js';
import type { SetExitCode } from './index.js';
import type { Output } from './output.js';

export const GENERATE_FORMATS = ['table', 'json'] as const;

interface GenerateCliOptions {
  plan?: string;
  out: string;
  url?: string;
  ddl?: string[];
  workload?: string[];
  searchPath?: string;
  infer: boolean;
  force?: boolean;
  format?: string;
  json?: boolean;
}

export function registerGenerate(program: Command, output: Output, setExitCode: SetExitCode): void {
  const cmd = program
    .command('generate')
    .description("write each service's schema.sql and knex migration, and a replacement for every cross-boundary reference, from the plan")
    .option('--plan <file>', 'the plan (default: ./dbsplit.yaml)')
    .option('--out <dir>', 'output directory; replaced as a whole, refused if it holds files dbsplit did not write', 'dbsplit-generated')
    .option('--url <url>', "introspect the live monolith (overrides the plan's monolith; sequences then start above its current values)")
    .option('--ddl <files...>', 'read the schema from DDL files or globs instead')
    .option('--workload <source>', "a workload source (overrides the plan's): its cross-boundary joins get composition code; repeatable", collect)
    .option('--search-path <schemas>', 'schemas for unqualified names, comma-separated (default: public)')
    .option('--no-infer', 'do not infer foreign keys from column names')
    .option('--force', 'replace the output directory even if it holds files dbsplit did not write');
  addFormatOption(cmd, GENERATE_FORMATS, 'table');
  cmd.action(async (opts: GenerateCliOptions) => {
    const format = resolveFormat(opts, GENERATE_FORMATS);
    const { runGenerate } = await import('../generate/generate.js');
    const { renderGenerateSummary } = await import('../generate/summary.js');
    const result = await runGenerate({
      planFile: opts.plan,
      outDir: opts.out,
      url: opts.url,
      ddl: opts.ddl,
      workload: opts.workload,
      searchPath: splitSearchPath(opts.searchPath),
      infer: opts.infer,
      force: Boolean(opts.force),
    });
    output.out(renderGenerateSummary(result, format, output.style));
    setExitCode(0);
  });
}
