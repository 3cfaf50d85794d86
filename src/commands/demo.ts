import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { addFormatOption, resolveFormat } from './format.js';
import type { SetExitCode } from './index.js';
import type { Output } from './output.js';

const DEMO_FORMATS = ['table', 'json', 'markdown'] as const;

interface DemoCliOptions {
  scale: string;
  out: string;
  keep?: boolean;
  format?: string;
  json?: boolean;
}

export function registerDemo(program: Command, output: Output, setExitCode: SetExitCode): void {
  const cmd = program
    .command('demo')
    .description('run dbsplit end to end on a sample e-commerce monolith, on an embedded PostgreSQL (nothing to install)')
    .option('--scale <n>', 'data volume: 1 is about 10,000 orders', '1')
    .option('--out <dir>', 'where to write the demo plan and reports', 'dbsplit-demo')
    .option('--keep', 'keep the embedded server running afterwards (Ctrl-C stops it)');
  addFormatOption(cmd, DEMO_FORMATS, 'table');
  cmd.action(async (opts: DemoCliOptions) => {
    const format = resolveFormat(opts, DEMO_FORMATS);
    const scale = Number(opts.scale);
    if (!Number.isFinite(scale) || scale <= 0) throw new UsageError(`--scale must be a positive number, got "${opts.scale}"`);
    const { runDemo } = await import('../demo/run-demo.js');
    const { renderCatalog } = await import('../report/catalog/index.js');
    const s = output.style;
    const log = (line: string) => output.err(line + '\n');
    const result = await runDemo(
      { scale, outDir: opts.out, keep: Boolean(opts.keep) },
      {
        stepStarted: (_step, detail) => log(`${s.accent('→')} ${detail}…`),
        stepFinished: (_step, detail, ms) => log(`  ${s.ok('✓')} ${detail} ${s.dim(`(${(ms / 1000).toFixed(1)} s)`)}`),
      },
    );
    output.out(renderCatalog(result.catalog, format, { style: s, top: 15 }));
    log(`\n${s.bold('Demo files')} in ${result.outDir}:`);
    for (const f of result.files) log(`  ${f}`);
    if (result.stop && result.monolithUrl) {
      const { writeFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      const urlFile = join(result.outDir, 'monolith.url');
      // The URL carries the server's password, which is never printed: it goes to a private file.
      await writeFile(urlFile, result.monolithUrl + '\n', { mode: 0o600 });
      log(`\nThe monolith is still running; its URL is in ${urlFile} (e.g. psql "$(cat ${urlFile})").\nPress Ctrl-C to stop it and remove its data.`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      await result.stop();
    } else {
      log(s.dim('The embedded PostgreSQL was stopped and its data removed (--keep leaves it running).'));
    }
    setExitCode(0);
  });
}
