import type { Command } from 'commander';
import { DbsplitError } from '../errors.js';
import { addFormatOption, collect, resolveFormat, splitSearchPath } from './format.js';
import type { SetExitCode } from './index.js';
import type { Output } from './output.js';

export const PLAN_FORMATS = ['table', 'json', 'markdown'] as const;

export interface PlanCliOptions {
  auto?: boolean;
  services?: string;
  pin?: string[];
  url?: string;
  ddl?: string[];
  workload?: string[];
  plan?: string;
  searchPath?: string;
  infer: boolean;
  write?: string | boolean;
  seed?: string;
  format?: string;
  json?: boolean;
}

export function registerPlan(program: Command, output: Output, setExitCode: SetExitCode): void {
  const cmd = program
    .command('plan')
    .description('decide which service owns which table: --auto prints a suggestion; without it, an interactive planner')
    .option('--auto', 'suggest service boundaries from the schema and workload, without asking')
    .option('--services <n>', 'how many services to suggest (default: as the clustering finds)')
    .option('--pin <table=service>', 'keep a table (or glob) with a service; repeatable; wins over the plan file\'s pins', collect)
    .option('--url <url>', 'introspect a live monolith')
    .option('--ddl <files...>', 'read the schema from DDL files or globs')
    .option('--workload <source>', 'a workload source: pg_stat_statements, a .sql file, a server log; repeatable', collect)
    .option('--plan <file>', 'the plan file to start from and save to (default: ./dbsplit.yaml when it exists)')
    .option('--search-path <schemas>', 'schemas for unqualified names, comma-separated (default: public)')
    .option('--no-infer', 'do not infer foreign keys from column names')
    .option('--write [file]', 'save the suggestion as the plan file (default: the --plan file, else dbsplit.yaml), keeping its other settings')
    .option('--seed <n>', 'seed of the clustering (the default is fixed, so results repeat)');
  addFormatOption(cmd, PLAN_FORMATS, 'table');
  cmd.action(async (opts: PlanCliOptions) => {
    const format = resolveFormat(opts, PLAN_FORMATS);
    if (!opts.auto) {
      // Refuse before loading anything: a CI job must fail fast, not hang on a prompt.
      if (!process.stdin.isTTY || !process.stdout.isTTY || isCi(process.env)) {
        throw new DbsplitError('E_NO_TTY', 'dbsplit plan is interactive and needs a terminal (stdin and stdout a TTY, CI not set)', {
          hint: 'use dbsplit plan --auto for a suggestion without prompts, and --write to save it',
        });
      }
      const { runInteractivePlan } = await import('../plan/plan-command.js');
      setExitCode(await runInteractivePlan(requestOf(opts), output));
      return;
    }
    const { runAutoPlan } = await import('../plan/plan-command.js');
    const { renderSuggestion } = await import('../report/suggestion/index.js');
    const result = await runAutoPlan(requestOf(opts));
    for (const line of result.messages) output.err(line + '\n');
    output.out(renderSuggestion(result.report, format, { style: output.style }));
    setExitCode(0);
  });
}

function requestOf(opts: PlanCliOptions) {
  return {
    url: opts.url,
    ddl: opts.ddl,
    workload: opts.workload,
    planFile: opts.plan,
    searchPath: splitSearchPath(opts.searchPath),
    infer: opts.infer,
    pinFlags: opts.pin,
    services: opts.services,
    write: opts.write,
    seed: opts.seed,
  };
}

function isCi(env: NodeJS.ProcessEnv): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}
