// npm run bench: every benchmark, figures printed side by side. Performance claims live here, not in
// timed tests. Run on a quiet machine: other load skews the ratios.
// `npm run bench -- jest exit` runs only the parts named; `--rounds 60` sets the rounds (or runs) of
// every part but arm and memory, in place of each one's default, to settle a small ratio on a noisy
// machine.
import { parseArgs } from 'node:util';
import { benchArm } from './arm.mjs';
import { benchArmCold } from './arm-cold.mjs';
import { benchExit } from './exit.mjs';
import { benchJestSuite } from './jest-suite.mjs';
import { benchLatency } from './latency.mjs';
import { benchMemory } from './memory.mjs';
import { benchTracking } from './tracking.mjs';
import { benchVitestMarks } from './vitest-marks.mjs';
import { benchVitestLargeFile, benchVitestSuite } from './vitest-suite.mjs';
import { benchVitestWorker } from './vitest-worker.mjs';

const PARTS = {
  arm: benchArm,
  cold: benchArmCold,
  latency: benchLatency,
  exit: benchExit,
  tracking: benchTracking,
  memory: benchMemory,
  vitest: benchVitestSuite,
  'vitest-large': benchVitestLargeFile,
  worker: benchVitestWorker,
  marks: benchVitestMarks,
  jest: benchJestSuite,
};

function usage(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({ options: { rounds: { type: 'string' } }, allowPositionals: true });
} catch (error) {
  usage(error.message);
}
const { values, positionals: chosen } = parsed;
const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) {
  usage(`--rounds takes a positive whole number, not "${values.rounds}"`);
}
const unknown = chosen.filter((name) => !(name in PARTS));
if (unknown.length > 0) {
  usage(`no part named ${unknown.join(', ')}; the parts are: ${Object.keys(PARTS).join(', ')}`);
}
console.log(`hangdump benchmarks on Node ${process.version}, ${process.platform}-${process.arch}`);
for (const [name, run] of Object.entries(PARTS)) {
  if (chosen.length === 0 || chosen.includes(name)) await run(rounds);
}
