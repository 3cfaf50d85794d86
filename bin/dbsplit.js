#!/usr/bin/env node
// The launcher runs the compiled CLI; `npm install` builds it through the `prepare` script.
import { main } from '../dist/src/cli.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
