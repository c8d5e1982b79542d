// Arming and disarming in a process watched from another one, as in a Vitest worker process: the
// table read from the process's memory, against the table mirrored to a file (a write per arm), and
// against a process that runs its own watchdog thread. Each case runs in a fresh child process
// watched by a real ProcessWatchdog in this one; the cases alternate, round after round.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { median, table } from './lib.mjs';

const ROOT = path.join(import.meta.dirname, '..');
const CHILD = path.join(import.meta.dirname, 'arm-watched-child.mjs');
const CASES = {
  'watched, table read from memory': 'memory',
  'watched, table mirrored to a file': 'file',
  'own watchdog thread': 'thread',
};

/** hangdump's internals the cases need (they are not exported by the package), bundled from src. */
async function buildInternals(outfile) {
  await build({
    stdin: {
      contents: [
        `export { armHangDump } from './src/guard/api.ts';`,
        `export { watchFromProcess } from './src/guard/runtime.ts';`,
        `export { ProcessWatchdog } from './src/watchdog/process-watchdog.ts';`,
        `export { ANSWER_OFFSET, Answer } from './src/watchdog/protocol.ts';`,
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'error',
  });
}

function runChild(bundle, dir, mode, iterations) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, bundle, dir, mode, String(iterations)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out).ns) : reject(new Error(`${mode}: exit code ${code}`)),
    );
  });
}

export async function benchArmWatched(rounds = 7, iterations = 100_000) {
  if (process.platform !== 'linux') {
    console.log('\nArm + disarm in a watched process: Linux only (skipped)');
    return undefined;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hangdump-bench-'));
  const bundle = path.join(work, 'internals.mjs');
  await buildInternals(bundle);
  const { ProcessWatchdog } = await import(bundle);
  const watchdog = new ProcessWatchdog();
  try {
    const samples = Object.fromEntries(Object.keys(CASES).map((name) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      const names = round % 2 ? Object.keys(CASES).reverse() : Object.keys(CASES);
      for (const name of names)
        samples[name].push(await runChild(bundle, watchdog.dir, CASES[name], iterations));
    }
    const medians = Object.fromEntries(Object.entries(samples).map(([name, ns]) => [name, median(ns)]));
    const base = medians['watched, table mirrored to a file'];
    table(
      `Arm + disarm in a process watched from another one (a Vitest worker process), ns per pair (median of ${rounds} alternated processes)`,
      ['case', 'ns/op', 'ratio to the file mirror'],
      Object.entries(medians).map(([name, ns]) => [name, ns.toFixed(0), `${(ns / base).toFixed(2)}x`]),
    );
    return medians;
  } finally {
    watchdog.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
