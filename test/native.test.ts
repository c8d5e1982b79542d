import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { readNativeBlock, runningDeadline } from '../src/inspect/native.js';

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

  test('a deadline moves on for a thread spinning in JavaScript, not for one inside a native call', async () => {
    const spinning = await started(process.execPath, ['-e', 'for (;;) {}']);
    const waiting = await started(process.execPath, [
      '-e',
      `require('node:child_process').execSync('sleep 30')`,
    ]);
    // Started (a loaded machine may take a while): the waiting one is inside execSync once its child runs.
    const sleeping = () => readNativeBlock(waiting).children.some((child) => child.command === 'sleep 30');
    for (const until = Date.now() + 20_000; !sleeping() && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    // A 100 ms deadline, moved on while the thread uses the CPU (up to 10 s).
    const spinnerPassed = runningDeadline(spinning, spinning, 100, 10_000);
    const waiterPassed = runningDeadline(waiting, waiting, 100, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(spinnerPassed()).toBe(false);
    expect(waiterPassed()).toBe(true);
    const native = readNativeBlock(waiting);
    expect(native.state).toBe('S');
    expect(native.children.map((child) => child.command)).toContain('sleep 30');
  });
});
