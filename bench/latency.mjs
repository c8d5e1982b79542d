// From a deadline to a dump on disk: BLOCKED (pause, read frames, write) and WAITING (message, dump
// on the guarded thread, write). Each run is a fresh process. A dump is written first and completed
// in place with the timers after: latency = when the text dump first appears (seen by fs.watch)
// minus (armed time + budget), both read from the dump itself.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median, table } from './lib.mjs';

const SCRIPTS = {
  BLOCKED: `import { armHangDump } from 'hangdump'; setTimeout(() => {}, 5000); armHangDump({ seconds: 0.3, label: 'blocked' }); for (;;) {}`,
  WAITING: `import { armHangDump } from 'hangdump'; armHangDump({ seconds: 0.3, label: 'waiting' }); setTimeout(() => process.exit(0), 900);`,
};

async function firstAppearance(script, dir) {
  let seen;
  const watcher = fs.watch(dir, (_event, name) => {
    if (seen === undefined && name?.endsWith('.txt') && !name.startsWith('.')) seen = Date.now();
  });
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, HANGDUMP_DIR: dir },
    stdio: 'ignore',
  });
  await new Promise((resolve) => child.once('exit', resolve));
  watcher.close();
  const json = fs.readdirSync(dir).find((name) => name.endsWith('.json'));
  if (!json || seen === undefined) return undefined;
  const dump = JSON.parse(fs.readFileSync(path.join(dir, json), 'utf8'));
  return seen - (Date.parse(dump.armedAt) + dump.budgetMs);
}

export async function benchLatency(runs = 7) {
  const rows = [];
  for (const [kind, source] of Object.entries(SCRIPTS)) {
    const script = path.join(import.meta.dirname, `.latency-${kind}.mjs`);
    fs.writeFileSync(script, source);
    const latencies = [];
    for (let i = 0; i < runs; i++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangdump-bench-'));
      const latency = await firstAppearance(script, dir);
      if (latency !== undefined) latencies.push(latency);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    fs.rmSync(script);
    const goal = kind === 'BLOCKED' ? 100 : 50;
    rows.push([
      kind,
      latencies.length,
      median(latencies).toFixed(1),
      Math.max(...latencies).toFixed(1),
      `${goal}`,
    ]);
  }
  table(
    'Deadline -> dump on disk, ms (fresh process per run)',
    ['class', 'runs', 'median', 'max', 'goal'],
    rows,
  );
}
