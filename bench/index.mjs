// npm run bench: every benchmark, figures printed side by side. Performance claims live here, not in
// timed tests. Run on a quiet machine: other load skews the ratios.
// `npm run bench -- jest exit` runs only the parts named.
import { benchArm } from './arm.mjs';
import { benchArmCold } from './arm-cold.mjs';
import { benchExit } from './exit.mjs';
import { benchJestSuite } from './jest-suite.mjs';
import { benchLatency } from './latency.mjs';
import { benchMemory } from './memory.mjs';
import { benchTracking } from './tracking.mjs';
import { benchVitestMarks } from './vitest-marks.mjs';
import { benchVitestSuite } from './vitest-suite.mjs';
import { benchVitestWorker } from './vitest-worker.mjs';

const PARTS = {
  arm: benchArm,
  cold: benchArmCold,
  latency: benchLatency,
  exit: benchExit,
  tracking: benchTracking,
  memory: benchMemory,
  vitest: benchVitestSuite,
  worker: benchVitestWorker,
  marks: benchVitestMarks,
  jest: benchJestSuite,
};

const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in PARTS));
if (unknown.length > 0) {
  console.error(
    `bench: no part named ${unknown.join(', ')}; the parts are: ${Object.keys(PARTS).join(', ')}`,
  );
  process.exit(2);
}
console.log(`hangdump benchmarks on Node ${process.version}, ${process.platform}-${process.arch}`);
for (const [name, run] of Object.entries(PARTS)) {
  if (chosen.length === 0 || chosen.includes(name)) await run();
}
