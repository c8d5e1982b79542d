// One workload in one process, under one configuration; prints its median wall time (5 runs) in ms as JSON.
//   node bench/workloads.mjs <workload> <none|hangdump|hangdump-promises|why-is-node-running>
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const [workload, mode] = process.argv.slice(2);
let guard;
if (mode === 'hangdump' || mode === 'hangdump-promises') {
  const { armHangDump } = await import('hangdump');
  // Armed for the whole workload: resources are created "during a test".
  guard = armHangDump({ seconds: 600, label: 'bench workload', promises: mode === 'hangdump-promises' });
} else if (mode === 'why-is-node-running') {
  await import('why-is-node-running');
}

const WORKLOADS = {
  async timers() {
    for (let i = 0; i < 20_000; i++) clearTimeout(setTimeout(noop, 1000));
    await new Promise((resolve) => setTimeout(resolve, 0));
  },
  async http() {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = new http.Agent({ keepAlive: false, maxSockets: 8 });
    const { port } = server.address();
    const get = () =>
      new Promise((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port, agent }, (res) => res.resume().on('end', resolve))
          .on('error', reject),
      );
    for (let i = 0; i < 2000; i += 8) await Promise.all(Array.from({ length: 8 }, get));
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  },
  async awaits() {
    for (let i = 0; i < 1_000_000; i++) await null;
  },
  async files() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangdump-bench-files-'));
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(dir, `${i}.txt`), 'x'.repeat(100));
    for (let i = 0; i < 5000; i += 16) {
      await Promise.all(
        Array.from({ length: 16 }, (_, j) => fs.promises.readFile(path.join(dir, `${(i + j) % 50}.txt`))),
      );
    }
    fs.rmSync(dir, { recursive: true, force: true });
  },
};

// Steady state: the watchdog thread's start-up (measured by the exit-time benchmark) is over, and
// the workload runs several times, its median reported.
await new Promise((resolve) => setTimeout(resolve, 200));
const times = [];
for (let i = 0; i < 5; i++) {
  const start = performance.now();
  await WORKLOADS[workload]();
  times.push(performance.now() - start);
}
const ms = times.sort((a, b) => a - b)[2];
guard?.disarm();
process.stdout.write(`${JSON.stringify({ ms })}\n`);
process.exit(0);

function noop() {}
