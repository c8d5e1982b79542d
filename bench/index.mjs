// npm run bench: every benchmark, figures printed side by side. Performance claims live here, not in
// timed tests.
import { benchArm } from './arm.mjs';
import { benchExit } from './exit.mjs';
import { benchLatency } from './latency.mjs';

console.log(`hangdump benchmarks on Node ${process.version}, ${process.platform}-${process.arch}`);
benchArm();
benchLatency();
benchExit();
