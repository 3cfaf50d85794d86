import type { Command } from 'commander';
import type { Output } from './output.js';
import { registerAnalyze } from './analyze.js';
import { registerCompare } from './compare.js';
import { registerDemo } from './demo.js';
import { registerDiff } from './diff.js';
import { registerGenerate } from './generate.js';
import { registerInit } from './init.js';
import { registerPlan } from './plan.js';
import { registerProvision } from './provision.js';
import { registerShadow } from './shadow.js';

export type SetExitCode = (code: number) => void;

/**
 * Registration is cheap: each command's heavy modules (the parser, pg, graphology) are
 * imported inside its action, so `dbsplit --help` starts fast.
 */
export function registerCommands(program: Command, output: Output, setExitCode: SetExitCode): void {
  registerAnalyze(program, output, setExitCode);
  registerCompare(program, output, setExitCode);
  registerDemo(program, output, setExitCode);
  registerDiff(program, output, setExitCode);
  registerGenerate(program, output, setExitCode);
  registerInit(program, output, setExitCode);
  registerPlan(program, output, setExitCode);
  registerProvision(program, output, setExitCode);
  registerShadow(program, output, setExitCode);
}
