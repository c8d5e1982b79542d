// Arming and disarming a guard, against the setTimeout + clearTimeout pair a naive watchdog would use.
import { armHangDump } from 'hangdump';
import { benchArmWatched } from './arm-watched.mjs';
import { alternate, nsPerOp, table } from './lib.mjs';

export async function benchArm() {
  const iterations = 200_000;
  const options = { seconds: 60, label: 'bench guard' };
  armHangDump(options).disarm(); // start the watchdog thread outside the measurement
  const cases = {
    'setTimeout + clearTimeout': () => nsPerOp(() => clearTimeout(setTimeout(noop, 60_000)), iterations),
    'armHangDump + disarm': () => nsPerOp(() => armHangDump(options).disarm(), iterations),
    'armHangDump(60) + disarm (no label)': () => nsPerOp(() => armHangDump(60).disarm(), iterations / 10),
  };
  for (const run of Object.values(cases)) run(); // warm up
  const medians = alternate(cases, 15);
  const base = medians['setTimeout + clearTimeout'];
  table(
    'Arm + disarm, ns per pair (median of 15 alternated rounds; goal: armHangDump <= setTimeout pair)',
    ['case', 'ns/op', 'ratio to setTimeout pair'],
    Object.entries(medians).map(([name, ns]) => [name, ns.toFixed(0), `${(ns / base).toFixed(2)}x`]),
  );
  return { ...medians, ...(await benchArmWatched()) };
}

function noop() {}
