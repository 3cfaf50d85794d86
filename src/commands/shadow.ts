import type { Command } from 'commander';
import type { SetExitCode } from './index.js';
import type { Output } from './output.js';
import { registerShadowApply } from './shadow-apply.js';
import { registerShadowLifecycle } from './shadow-lifecycle.js';
import { registerShadowRun } from './shadow-run.js';

/**
 * `dbsplit shadow ...`: copy a service's tables into its database and keep them in sync from
 * the monolith's change stream. The subcommands live in their own files.
 */
export function registerShadow(program: Command, output: Output, setExitCode: SetExitCode): void {
  const shadow = program.command('shadow').description("keep a service's database in sync with the monolith: start, run, apply, status, stop, cancel");
  registerShadowLifecycle(shadow, output, setExitCode);
  registerShadowRun(shadow, output, setExitCode);
  registerShadowApply(shadow, output, setExitCode);
}
