import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { cpuWatch, readNativeBlock } from '../src/inspect/native.js';

// What the BLOCKED procedure reads from /proc to tell a thread that runs JavaScript (a pause will land,
// however loaded the machine) from one inside a native call (it will not).
describe.runIf(process.platform === 'linux')('threads seen through /proc', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  function started(command: string, args: string[]): Promise<number> {
    const child = spawn(command, args, { stdio: 'ignore' });
    children.push(child);
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid as number));
      child.once('error', reject);
    });
  }

  test('a thread spinning in JavaScript keeps using the CPU; one inside a native call does not', async () => {
    const spinning = await started(process.execPath, ['-e', 'for (;;) {}']);
    const waiting = await started(process.execPath, [
      '-e',
      `require('node:child_process').execSync('sleep 30')`,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const spins = cpuWatch(spinning);
    const waits = cpuWatch(waiting);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(spins()).toBe(true);
    expect(waits()).toBe(false);
    const native = readNativeBlock(waiting);
    expect(native.state).toBe('S');
    expect(native.children.map((child) => child.command)).toContain('sleep 30');
  });
});
