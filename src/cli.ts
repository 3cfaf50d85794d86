import { Command, CommanderError } from 'commander';
import { isDbsplitError } from './errors.js';
import { redactSecrets } from './redact.js';
import { VERSION } from './version.js';
import { registerCommands } from './commands/index.js';
import { createOutput, type Output } from './commands/output.js';

/**
 * The one place where failures become exit codes:
 * 0 ok, 1 a check found differences or failed, 2 usage or runtime error.
 */
export async function main(argv: readonly string[], output: Output = createOutput()): Promise<number> {
  const debug = argv.includes('--debug');
  const program = new Command('dbsplit');
  let exitCode = 0;
  program
    .description('Split a shared PostgreSQL database into one database per service, the strangler-fig way.')
    .version(VERSION, '-V, --version')
    .option('--debug', 'show stack traces and driver details on errors')
    .showHelpAfterError('(run dbsplit --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => output.out(s),
      writeErr: (s) => output.err(s),
    });
  registerCommands(program, output, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (e) {
    return reportFailure(e, output, debug);
  }
}

function reportFailure(e: unknown, output: Output, debug: boolean): number {
  if (e instanceof CommanderError) {
    // commander already printed its message; help and version are successes.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return 2;
  }
  if (isDbsplitError(e)) {
    output.err(`${output.style.error('error')} ${output.style.dim(`[${e.code}]`)} ${e.oneLine()}\n`);
    if (debug) output.err(redactSecrets(describeDebug(e)) + '\n');
    return e.exitCode;
  }
  const message = e instanceof Error ? e.message : String(e);
  output.err(`${output.style.error('error')} ${output.style.dim('[E_INTERNAL]')} ${redactSecrets(message)}` +
    (debug ? '' : ' (this is a bug in dbsplit; run again with --debug for the stack trace)') + '\n');
  if (debug) output.err(redactSecrets(describeDebug(e)) + '\n');
  return 2;
}

function describeDebug(e: unknown): string {
  const parts: string[] = [];
  let current: unknown = e;
  while (current instanceof Error) {
    parts.push(current.stack ?? current.message);
    current = current.cause;
  }
  return parts.join('\ncaused by: ');
}
