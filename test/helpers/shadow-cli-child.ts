/**
 * The dbsplit CLI run from the sources (through tsx), for tests that need a real process to
 * kill: `node --import tsx test/helpers/shadow-cli-child.ts shadow start ...`.
 */
import { main } from '../../src/cli.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
