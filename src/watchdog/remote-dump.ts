import { activateInspector } from '../inspect/activate.js';
import { GuardedThreadInspector } from '../inspect/guarded-thread.js';
import { runningDeadline } from '../inspect/native.js';
import { type WebSocketTransport, webSocketTransport } from '../inspect/websocket.js';
import { writeStderr } from '../stderr.js';
import { type BlockedGuard, dumpBlocked } from './blocked.js';
import type { DeadlineTable } from './deadline-table.js';
import type { MirrorInfo } from './mirror.js';
import { HEARTBEAT_MS, probeExpression, RUNNING_GRACE_MS } from './protocol.js';

/** How long a guarded process may take to open its inspector after the signal. */
const ACTIVATE_MS = 1000;
/** How long the WebSocket handshake with an open inspector may take. */
const CONNECT_MS = 2000;

/**
 * Takes the BLOCKED dumps of another process's guards: opens its inspector (unless it is open),
 * connects over its WebSocket, and runs the same procedure as a watchdog thread, claiming each guard
 * on the paused thread since only a copy of its table is visible from here.
 */
export async function dumpWorkerProcess(
  info: MirrorInfo,
  table: DeadlineTable,
  guards: BlockedGuard[],
  clock: () => number,
  heartbeat: () => number | undefined,
): Promise<void> {
  const { pid } = info.process;
  let transport: WebSocketTransport | undefined;
  const inspector = new GuardedThreadInspector({ isMainThread: true, threadId: 0 }, async () => {
    const url = info.inspectorUrl ?? (await activateInspector(pid, ACTIVATE_MS, RUNNING_GRACE_MS));
    if (!url) throw new Error(`the inspector of process ${pid} did not open`);
    transport = await webSocketTransport(url, CONNECT_MS);
    return transport;
  });
  const probe = probeExpression(info.probeId);
  writeStderr(`hangdump: worker process ${pid} has stopped turning its event loop: inspecting it\n`);
  try {
    await dumpBlocked(
      {
        table,
        inspector,
        claim: async (paused, guard) =>
          (await inspector.evaluate(paused, probe, `${probe}.claim(${guard.slot}, ${guard.generation})`)) ===
          true,
        probeId: info.probeId,
        process: info.process,
        // A worker process is watched on its main thread, whose kernel id is the pid.
        tid: pid,
        // The worker learns of its BLOCKED dump only by ending (its runner then reports the file).
        post: () => {},
        clock,
        timeOrigin: info.timeOrigin,
        returned: async (timeoutMs) => {
          const stalledSince = heartbeat();
          // Longer while the thread uses the CPU: it has returned and runs, late on a loaded machine.
          const passed = runningDeadline(pid, pid, timeoutMs, RUNNING_GRACE_MS);
          while (!passed()) {
            await delay(HEARTBEAT_MS);
            const beat = heartbeat();
            if (beat === undefined || beat !== stalledSince) return true;
          }
          return false;
        },
      },
      guards,
    );
  } finally {
    transport?.close();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
