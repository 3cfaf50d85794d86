import type { Command } from 'commander';
import type { Output } from './output.js';
import { registerAnalyze } from './analyze.js';
import { registerDemo } from './demo.js';

export type SetExitCode = (code: number) => void;

/**
 * Registration is cheap: each command's heavy modules (the parser, pg, graphology) are
 * imported inside its action, so `dbsplit --help` starts fast.
 */
export function registerCommands(program: Command, output: Output, setExitCode: SetExitCode): void {
  registerAnalyze(program, output, setExitCode);
  registerDemo(program, output, setExitCode);
}
