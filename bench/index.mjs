// npm run bench: every benchmark, figures printed side by side. Performance claims live here, not in
// timed tests. Run on a quiet machine: other load skews the ratios.
import { benchArm } from './arm.mjs';
import { benchExit } from './exit.mjs';
import { benchLatency } from './latency.mjs';
import { benchMemory } from './memory.mjs';
import { benchTracking } from './tracking.mjs';
import { benchVitestSuite } from './vitest-suite.mjs';

console.log(`hangdump benchmarks on Node ${process.version}, ${process.platform}-${process.arch}`);
benchArm();
await benchLatency();
benchExit();
benchTracking();
await benchMemory();
benchVitestSuite();
