/**
 * The CLI from source, for tests that run dbsplit as a child process and kill it (no build
 * needed): `node --import tsx test/integration/shadow-faults-entry.ts shadow run ...`.
 */
import { main } from '../../src/cli.js';

process.exitCode = await main(process.argv);
