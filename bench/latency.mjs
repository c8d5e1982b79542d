// From a deadline to the dump on disk: BLOCKED (pause, read frames, write) and WAITING (message, dump
// on the guarded thread, write). Each run is a fresh process; latency = the text dump's mtime minus
// (armed time + budget), both read from the dump itself.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, table, timeProcess } from './lib.mjs';

const SCRIPTS = {
  BLOCKED: `import { armHangDump } from 'hangdump'; armHangDump({ seconds: 0.3, label: 'blocked' }); for (;;) {}`,
  WAITING: `import { armHangDump } from 'hangdump'; armHangDump({ seconds: 0.3, label: 'waiting' }); setTimeout(() => process.exit(0), 700);`,
};

export function benchLatency(runs = 7) {
  const rows = [];
  const results = {};
  for (const [kind, source] of Object.entries(SCRIPTS)) {
    const latencies = [];
    for (let i = 0; i < runs; i++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangdump-bench-'));
      const script = path.join(import.meta.dirname, `.latency-${kind}.mjs`);
      fs.writeFileSync(script, source);
      timeProcess([script], { env: { ...process.env, HANGDUMP_DIR: dir } });
      fs.rmSync(script);
      const json = fs.readdirSync(dir).find((name) => name.endsWith('.json'));
      if (json) {
        const dump = JSON.parse(fs.readFileSync(path.join(dir, json), 'utf8'));
        const written = fs.statSync(path.join(dir, json.replace(/\.json$/, '.txt'))).mtimeMs;
        latencies.push(written - (Date.parse(dump.armedAt) + dump.budgetMs));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
    results[kind] = { median: median(latencies), max: Math.max(...latencies), runs: latencies.length };
    const goal = kind === 'BLOCKED' ? 100 : 50;
    rows.push([
      kind,
      latencies.length,
      results[kind].median.toFixed(1),
      results[kind].max.toFixed(1),
      `${goal}`,
    ]);
  }
  table(
    'Deadline -> dump on disk, ms (fresh process per run)',
    ['class', 'runs', 'median', 'max', 'goal'],
    rows,
  );
  return results;
}
