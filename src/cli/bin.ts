#!/usr/bin/env node
import { createCli } from './index.js';

process.exitCode = createCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: process.stdout.isTTY === true,
});
