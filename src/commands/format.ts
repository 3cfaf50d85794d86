import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';

/**
 * `--format <name>` (and `--json`, its shorthand) on every command that reports.
 */
export function addFormatOption<F extends string>(cmd: Command, formats: readonly F[], fallback: F): Command {
  return cmd
    .addOption(new Option('--format <format>', `output format: ${formats.join(', ')}`).default(fallback))
    .option('--json', 'shorthand for --format json');
}

export function resolveFormat<F extends string>(opts: { format?: string; json?: boolean }, formats: readonly F[]): F {
  const wanted = opts.json ? 'json' : (opts.format ?? formats[0]);
  if (!(formats as readonly string[]).includes(wanted ?? '')) {
    throw new UsageError(`unknown format "${wanted}"`, `use one of: ${formats.join(', ')}`);
  }
  return wanted as F;
}

/** Commander collects a repeatable option into an array with this. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--search-path a,b` as a list; undefined when not given, so the plan file's setting applies. */
export function splitSearchPath(value: string | undefined): string[] | undefined {
  return value?.split(',').map((s) => s.trim()).filter(Boolean);
}
