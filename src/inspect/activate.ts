import fs from 'node:fs';
import http from 'node:http';
import { runningDeadline } from './native.js';

/**
 * Opens the inspector of another process on this machine and returns its WebSocket URL. Node starts
 * its inspector on SIGUSR1 from a V8 interrupt, so even a thread spinning in JavaScript opens it (a
 * thread inside a native call opens it only when the call returns). The guarded process set its
 * `process.debugPort` to 0 (so that several can open at once), which makes the port unknown here:
 * it is the listening socket of that process that was not there before the signal (Linux /proc).
 * Waits `timeoutMs`, and longer (up to `maxMs`) while its main thread keeps using the CPU.
 */
export async function activateInspector(
  pid: number,
  timeoutMs: number,
  maxMs: number,
): Promise<string | undefined> {
  const before = listeningPorts(pid);
  // Opened already (an earlier signal whose native call has returned since, in a worker that runs
  // file after file): one of the ports it listens on answers as an inspector.
  const open = await Promise.all([...before].map((port) => debuggerUrl(port, ALREADY_OPEN_MS)));
  const known = open.find((url) => url !== undefined);
  if (known) return known;
  try {
    process.kill(pid, 'SIGUSR1');
  } catch {
    return undefined;
  }
  // A process that keeps using the CPU serves the signal at its next JavaScript, which on a loaded
  // machine comes late; one inside a native call (using none) serves it only when the call returns.
  const passed = runningDeadline(pid, pid, timeoutMs, maxMs);
  while (!passed()) {
    await delay(20);
    for (const port of listeningPorts(pid)) {
      if (before.has(port)) continue;
      const url = await debuggerUrl(port, timeoutMs);
      if (url) return url;
    }
  }
  return undefined;
}

/** How long a port the process listened on before the signal may take to say whether it is an inspector. */
const ALREADY_OPEN_MS = 150;

/** The TCP ports a process listens on: its socket inodes matched against the kernel's socket tables. */
function listeningPorts(pid: number): Set<number> {
  const ports = new Set<number>();
  let inodes: Set<string>;
  try {
    inodes = new Set(
      fs
        .readdirSync(`/proc/${pid}/fd`)
        .map((fd) => safeReadlink(`/proc/${pid}/fd/${fd}`))
        .flatMap((link) => /^socket:\[(\d+)\]$/.exec(link ?? '')?.[1] ?? []),
    );
  } catch {
    return ports;
  }
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXADDR:HEXPORT; state 0A is LISTEN; field 9 is the inode.
      if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) {
        ports.add(Number.parseInt(fields[1]?.split(':')[1] ?? '', 16));
      }
    }
  }
  return ports;
}

function safeReadlink(path: string): string | undefined {
  try {
    return fs.readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** The inspector's target list at `port`; undefined when that port is not an inspector. */
function debuggerUrl(port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = http.get(
      { host: '127.0.0.1', port, path: '/json/list', timeout: timeoutMs },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => {
          try {
            const [target] = JSON.parse(body) as { webSocketDebuggerUrl?: string }[];
            resolve(target?.webSocketDebuggerUrl);
          } catch {
            resolve(undefined);
          }
        });
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
