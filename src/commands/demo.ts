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
  loadSeconds: string;
  format?: string;
  json?: boolean;
}

export function registerDemo(program: Command, output: Output, setExitCode: SetExitCode): void {
  const cmd = program
    .command('demo')
    .description('run dbsplit end to end on a sample e-commerce monolith, on an embedded PostgreSQL (nothing to install)')
    .option('--scale <n>', 'data volume: 1 is about 10,000 orders', '1')
    .option('--out <dir>', 'where to write the demo plan and reports', 'dbsplit-demo')
    .option('--keep', 'keep the embedded server running afterwards (Ctrl-C stops it)')
    .option('--load-seconds <n>', 'how long the load generator writes while the services are shadowed', '5');
  addFormatOption(cmd, DEMO_FORMATS, 'table');
  cmd.action(async (opts: DemoCliOptions) => {
    const format = resolveFormat(opts, DEMO_FORMATS);
    const scale = Number(opts.scale);
    if (!Number.isFinite(scale) || scale <= 0) throw new UsageError(`--scale must be a positive number, got "${opts.scale}"`);
    const loadSeconds = Number(opts.loadSeconds);
    if (!Number.isFinite(loadSeconds) || loadSeconds < 0 || loadSeconds > 600) throw new UsageError(`--load-seconds must be a number of seconds from 0 to 600, got "${opts.loadSeconds}"`);
    const { runDemo } = await import('../demo/run-demo.js');
    const { renderCatalog } = await import('../report/catalog/index.js');
    const { demoJson, shadowStatusTable } = await import('../demo/demo-report.js');
    const s = output.style;
    const log = (line: string) => output.err(line + '\n');
    const result = await runDemo(
      { scale, outDir: opts.out, keep: Boolean(opts.keep), loadMs: loadSeconds * 1000 },
      {
        stepStarted: (_step, detail) => log(`${s.accent('→')} ${detail}…`),
        stepFinished: (_step, detail, ms) => log(`  ${s.ok('✓')} ${detail} ${s.dim(`(${(ms / 1000).toFixed(1)} s)`)}`),
        shadowCaughtUp: (shadow) => output.err(shadowStatusTable(shadow, s)),
      },
    );
    if (format === 'json') {
      // The catalog's JSON, with the demo's own steps added under `demo` (fields are only ever added).
      const { catalogToJson } = await import('../report/catalog/json.js');
      const doc = { ...(catalogToJson(result.catalog) as Record<string, unknown>), demo: demoJson(result) };
      output.out(JSON.stringify(doc, null, 2) + '\n');
    } else {
      output.out(renderCatalog(result.catalog, format, { style: s, top: 15 }));
    }
    log(`\n${s.bold('Demo files')} in ${result.outDir}:`);
    for (const f of result.files) log(`  ${f}`);
    if (result.stop && result.monolithUrl) {
      const { writeFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      const urlFile = join(result.outDir, 'monolith.url');
      // The URL carries the server's password, which is never printed: it goes to private files.
      await writeFile(urlFile, result.monolithUrl + '\n', { mode: 0o600 });
      const { DEMO_PASSWORD_VAR, DEMO_URL_VAR } = await import('../demo/demo-plan.js');
      const envFile = join(result.outDir, 'demo.env');
      const password = decodeURIComponent(new URL(result.monolithUrl).password);
      await writeFile(envFile, `${DEMO_URL_VAR}='${result.monolithUrl}'\n${DEMO_PASSWORD_VAR}='${password}'\n`, { mode: 0o600 });
      const plan = join(result.outDir, 'dbsplit.yaml');
      log(`\nThe monolith is still running; its URL is in ${urlFile} (e.g. psql "$(cat ${urlFile})").`);
      log(`Shadow sync is stopped with its slots kept. To use the plan: set -a; . ${envFile}; set +a; then e.g. dbsplit shadow status --plan ${plan}, or dbsplit shadow run <service> --plan ${plan}.`);
      log('Press Ctrl-C to stop it and remove its data.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      await result.stop();
    } else {
      log(s.dim('The embedded PostgreSQL was stopped and its data removed (--keep leaves it running).'));
    }
    setExitCode(0);
  });
}
