// What tracking costs: each workload, in a fresh process, with no tracking, under a hangdump guard
// (tracking on), under one armed with `promises: true` (a stack per promise), and with
// why-is-node-running imported (its async_hooks hook on), alternated.
import path from 'node:path';
import { alternate, table, timeProcess } from './lib.mjs';

const MODES = ['none', 'hangdump', 'hangdump-promises', 'why-is-node-running'];
const WORKLOADS = {
  timers: '20k timers set and cleared',
  http: '2,000 loopback HTTP requests',
  awaits: '1e6 awaits',
  files: '5,000 fs.promises.readFile',
};

export function benchTracking(rounds = 5) {
  const script = path.join(import.meta.dirname, 'workloads.mjs');
  const rows = [];
  for (const [workload, title] of Object.entries(WORKLOADS)) {
    const cases = Object.fromEntries(
      MODES.map((mode) => [mode, () => JSON.parse(timeProcess([script, workload, mode]).result.stdout).ms]),
    );
    const medians = alternate(cases, rounds);
    const base = medians.none;
    const why = medians['why-is-node-running'];
    rows.push([
      title,
      base.toFixed(0),
      `${medians.hangdump.toFixed(0)} (${pct(medians.hangdump / base)})`,
      `${medians['hangdump-promises'].toFixed(0)} (${ratio(medians['hangdump-promises'] / base)})`,
      `${why.toFixed(0)} (${pct(why / base)})`,
      `${((why - base) / Math.max(medians.hangdump - base, 0.5)).toFixed(0)}x`,
    ]);
  }
  table(
    `Tracking overhead, ms of workload (median of ${rounds} alternated runs; goals: <= 3% on a suite, >= 5x cheaper than why-is-node-running)`,
    [
      'workload',
      'none',
      'hangdump',
      'hangdump promises: true',
      'why-is-node-running',
      'cost ratio why/hangdump',
    ],
    rows,
  );
}

function ratio(value) {
  return `${value.toFixed(1)}x`;
}

function pct(ratio) {
  const delta = (ratio - 1) * 100;
  return `${delta >= 0 ? '+' : ''}${delta.toFixed(1)}%`;
}
