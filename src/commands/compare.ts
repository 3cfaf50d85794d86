import type { Command } from 'commander';
import { addFormatOption, collect, resolveFormat } from './format.js';
import type { SetExitCode } from './index.js';
import type { Output } from './output.js';

export const COMPARE_COMMAND_FORMATS = ['table', 'json', 'markdown', 'junit'] as const;

interface CompareCliOptions {
  checks: string;
  plan: string;
  url?: string;
  check?: string[];
  format?: string;
  json?: boolean;
}

const HELP = `
Check files (YAML, searched recursively under --checks; dbsplit generate writes one per composition):
  version: 1
  checks:
    - name: orders-with-users            # unique across the directory
      legacy: { sql: "SELECT ... WHERE o.user_id = :user_id" }   # runs on the monolith
      candidate:                         # exactly one of sql / composition
        service: orders                  # sql: runs on this service's database
        sql: "SELECT ..."
        # composition: ../../orders/compositions/orders-with-users.ts   (relative to the file)
        # function: ordersWithUsers
      params: [ { user_id: 31 } ]        # or: { from: "select id as user_id from users order by random() limit 50" }
      key: [id]                          # pairs rows, so a difference reads as "changed"
      ignore: [updated_at]
      tolerance: { numeric: 0.005, timestamp: ms }   # timestamp: us | ms | s | min
      ordered: auto                      # auto: when the legacy query has ORDER BY (ties are tolerated)

Exit codes: 0 every check passed, 1 a check found a mismatch, 2 a check could not run (SQL error,
missing file, unknown service) or the checks could not be read.`;

export function registerCompare(program: Command, output: Output, setExitCode: SetExitCode): void {
  const cmd = program
    .command('compare')
    .description('shadow read comparisons: run each check\'s legacy query on the monolith and its candidate (service SQL or a generated composition), compare the results; exit 0 pass, 1 mismatch, 2 error')
    .option('--checks <dir>', 'directory of check files', 'dbsplit-generated/checks')
    .option('--plan <file>', 'the plan (monolith and service database URLs)', 'dbsplit.yaml')
    .option('--url <url>', "the monolith (default: the plan's monolith.url)")
    .option('--check <name>', 'only this check (repeatable)', collect);
  addFormatOption(cmd, COMPARE_COMMAND_FORMATS, 'table');
  cmd.addHelpText('after', HELP);
  cmd.action(async (opts: CompareCliOptions) => {
    const format = resolveFormat(opts, COMPARE_COMMAND_FORMATS);
    const { runCompare, compareExitCode } = await import('../compare/index.js');
    const { renderCompare } = await import('../report/compare/index.js');
    const tty = Boolean(process.stderr.isTTY);
    const result = await runCompare({
      planPath: opts.plan,
      checksDir: opts.checks,
      url: opts.url,
      only: opts.check,
      onProgress: (e) => {
        if (e.kind === 'check-start' && tty) output.err(`[${e.index + 1}/${e.total}] ${e.name} ...\n`);
        if (e.kind === 'check-done') output.err(`${e.name}: ${e.status}${e.error !== undefined ? ` (${e.error})` : ''}\n`);
      },
    });
    output.out(renderCompare(result, format, output.style));
    setExitCode(compareExitCode(result));
  });
}
