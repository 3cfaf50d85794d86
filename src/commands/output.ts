import { Chalk, type ChalkInstance } from 'chalk';
import { redactSecrets } from '../redact.js';

/**
 * Where a command's rendered report and its messages go. Everything written passes through
 * redactSecrets so no password can leak, whatever a driver put in a message.
 */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  readonly isTTY: boolean;
  readonly color: boolean;
  readonly style: Styles;
}

export interface Styles {
  readonly error: (s: string) => string;
  readonly warn: (s: string) => string;
  readonly ok: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
  readonly accent: (s: string) => string;
}

export function colorEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export function makeStyles(chalk: ChalkInstance): Styles {
  return {
    error: (s) => chalk.red.bold(s),
    warn: (s) => chalk.yellow(s),
    ok: (s) => chalk.green(s),
    dim: (s) => chalk.dim(s),
    bold: (s) => chalk.bold(s),
    accent: (s) => chalk.cyan(s),
  };
}

export function createOutput(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  const color = colorEnabled(stdout);
  const chalk = new Chalk({ level: color ? 1 : 0 });
  return {
    out: (text) => void stdout.write(redactSecrets(text)),
    err: (text) => void stderr.write(redactSecrets(text)),
    isTTY: Boolean(stdout.isTTY),
    color,
    style: makeStyles(chalk),
  };
}
