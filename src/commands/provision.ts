import type { Command } from 'commander';
import { addFormatOption, resolveFormat } from './format.js';
import type { SetExitCode } from './index.js';
import type { Output } from './output.js';

export const PROVISION_FORMATS = ['table', 'json'] as const;

interface ProvisionCliOptions {
  plan: string;
  out: string;
  url?: string;
  dryRun?: boolean;
  format?: string;
  json?: boolean;
}

export function registerProvision(program: Command, output: Output, setExitCode: SetExitCode): void {
  const cmd = program
    .command('provision <service>')
    .description("create a service's database (or schema) when missing, run its knex migrations, and record the phase provisioned")
    .option('--plan <file>', 'the plan', 'dbsplit.yaml')
    .option('--out <dir>', 'where dbsplit generate wrote the migrations (without them, the initial migration is generated in memory)', 'dbsplit-generated')
    .option('--url <url>', "the monolith, where the phase is recorded (default: the plan's monolith.url)")
    .option('--dry-run', 'print the SQL that would run, and change nothing');
  addFormatOption(cmd, PROVISION_FORMATS, 'table');
  cmd.action(async (service: string, opts: ProvisionCliOptions) => {
    const format = resolveFormat(opts, PROVISION_FORMATS);
    const { provisionService } = await import('../provision/index.js');
    const { renderProvision } = await import('../provision/report.js');
    const result = await provisionService({ service, planFile: opts.plan, outDir: opts.out, url: opts.url, dryRun: Boolean(opts.dryRun) });
    output.out(renderProvision(result, format, output.style));
    setExitCode(0);
  });
}
