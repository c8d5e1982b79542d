// Memory per tracked resource, and the cost of building a dump with 10,000 live resources.
// Run with --expose-gc (bench/index.mjs does).
import { channel } from 'node:diagnostics_channel';
import net from 'node:net';
import { armHangDump } from 'hangdump';
import { table } from './lib.mjs';

export async function benchMemory() {
  // A first dump loads the dump writer; the figure below is the steady state.
  const warm = armHangDump({ seconds: 600, label: 'warm-up' });
  warm.dumpNow();
  warm.disarm();
  const guard = armHangDump({ seconds: 600, label: 'memory bench' });
  const count = 20_000;
  const heap = () => {
    globalThis.gc?.();
    return process.memoryUsage().heapUsed;
  };
  // Resources announced on the channel net.Socket uses; the plain objects stand for sockets.
  const untracked = Array.from({ length: count }, () => ({}));
  const before = heap();
  const tracked = Array.from({ length: count }, () => {
    const socket = {};
    channel('net.client.socket').publish({ socket });
    return socket;
  });
  const perResource = (heap() - before) / count;

  // 10,000 live resources: timers, plus 200 loopback connections with their server.
  const timers = Array.from({ length: 9_600 }, () => setTimeout(() => {}, 600_000));
  const server = net.createServer(() => {}).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const sockets = Array.from({ length: 200 }, () => net.connect(server.address().port, '127.0.0.1'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const live = process.getActiveResourcesInfo().length;
  const start = performance.now();
  const dump = guard.dumpNow();
  const dumpMs = performance.now() - start;

  for (const timer of timers) clearTimeout(timer);
  for (const socket of sockets) socket.destroy();
  server.close();
  guard.disarm();
  const promises = pendingPromiseMemory(heap);
  table(
    'Memory and dump cost (goals: < 1 KiB per tracked resource; dump with 10,000 live resources < 100 ms)',
    ['what', 'figure'],
    [
      ['heap per tracked resource (creation stack + record)', `${Math.round(perResource)} B`],
      [
        `WAITING dump with ${live} live resources (over 2,000 timers: counted, not walked)`,
        `${dumpMs.toFixed(1)} ms`,
      ],
      ['dump written', dump ? 'yes' : 'no'],
      ['heap per pending promise tracked with promises: true (stack + record)', `${promises.perRecord} B`],
      [
        'heap held by tracking after 100,000 promises that never settle (its cap: the 1,000 most recent)',
        `${promises.afterMany} KiB`,
      ],
    ],
  );
  return { untracked: untracked.length, tracked: tracked.length };
}

/** What `promises: true` holds: a record per pending promise, never more than its cap of them. */
function pendingPromiseMemory(heap) {
  const pending = (count) => Array.from({ length: count }, () => new Promise(() => {}));
  const perPromise = () => {
    const before = heap();
    const kept = pending(1000);
    return (heap() - before) / kept.length;
  };
  const untracked = perPromise();
  const base = heap();
  const guard = armHangDump({ seconds: 600, label: 'promise memory bench', promises: true });
  const tracked = perPromise();
  // Garbage to the program, all of them: what is left on the heap is what tracking holds.
  pending(100_000);
  const held = heap() - base;
  guard.disarm();
  return { perRecord: Math.round(tracked - untracked), afterMany: Math.round(held / 1024) };
}
