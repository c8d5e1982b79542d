// One case of arm-watched.mjs: arms and disarms a guard `iterations` times, warm, and prints the
// nanoseconds per pair as JSON. Arguments: the bundle of internals, the watching directory, the mode.
import fs from 'node:fs';
import path from 'node:path';
import { nsPerOp } from './lib.mjs';

const [bundle, dir, mode, iterations] = process.argv.slice(2);
const { ANSWER_OFFSET, Answer, armHangDump, watchFromProcess } = await import(bundle);
if (mode !== 'thread') watchFromProcess(dir);
const options = { seconds: 60, label: 'bench guard' };
armHangDump(options).disarm();

if (mode === 'memory') {
  // The watching process answers in the mirror file once it has found the table in memory; this
  // process reads the answer at its next heartbeat (every 50 ms).
  const table = path.join(dir, `${process.pid}-0.table`);
  const until = Date.now() + 5000;
  while (fs.readFileSync(table).readInt32LE(ANSWER_OFFSET) !== Answer.READS_MEMORY) {
    if (Date.now() > until) throw new Error('the watching process did not find the table in memory');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 120));
}
// In 'file' mode both loops run before any heartbeat could read the answer: every arm is written.
const arm = () => armHangDump(options).disarm();
nsPerOp(arm, Number(iterations));
console.log(JSON.stringify({ ns: nsPerOp(arm, Number(iterations)) }));
process.exit(0);
