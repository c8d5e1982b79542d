import path from 'node:path';
import { armHangDump, dumpOnHang } from 'hangdump';
import { type HangdumpVitestOptions, hangdump } from 'hangdump/vitest';
import { describe, expect, test } from 'vitest';
import { wrappedEnvironment } from '../src/jest/wrapped-environment.js';
import { ROOT } from './helpers.js';

describe('bad input is a clear error at the call', () => {
  test.each([
    [-1, RangeError, /`seconds`.*greater than 0.*got -1/],
    [0, RangeError, /got 0\./],
    [Number.NaN, RangeError, /got NaN/],
    [Number.POSITIVE_INFINITY, RangeError, /got Infinity/],
    [1e12, RangeError, /at most 2000000/],
    ['5', TypeError, /Expected a number of seconds or an options object, got "5"/],
    [null, TypeError, /got null/],
    [undefined, TypeError, /got undefined/],
    [[5], TypeError, /got an array/],
  ])('armHangDump(%s) throws %s', (input, Kind, message) => {
    expect(() => armHangDump(input as number)).toThrow(Kind);
    expect(() => armHangDump(input as number)).toThrow(message);
  });

  test.each([
    [{ seconds: '5' }, TypeError, /`seconds` to be a number, got "5"/],
    [{}, TypeError, /`seconds` option is required/],
    [{ seconds: 1, timeout: 5 }, TypeError, /Unknown option `timeout`: expected one of `seconds`, `path`/],
    [{ seconds: 1, path: '' }, RangeError, /`path` to be a non-empty string/],
    [{ seconds: 1, path: 42 }, TypeError, /`path` to be a string, got 42/],
    [{ seconds: 1, path: 'a\0b' }, RangeError, /`path` to contain no NUL/],
    [{ seconds: 1, path: 'x'.repeat(5000) }, RangeError, /`path` to be at most 4096 bytes/],
    [{ seconds: 1, label: {} }, TypeError, /`label` to be a string, got an object/],
    [{ seconds: 1, onBlocked: 'kill' }, TypeError, /`onBlocked` to be 'exit' or 'continue', got "kill"/],
    [{ seconds: 1, exitCode: 0 }, RangeError, /`exitCode` to be an integer from 1 to 255, got 0/],
    [{ seconds: 1, exitCode: 1.5 }, RangeError, /got 1\.5/],
    [{ seconds: 1, exitCode: '3' }, TypeError, /`exitCode` to be a number, got "3"/],
    [{ seconds: 1, exitCode: 256 }, RangeError, /`exitCode` to be an integer from 1 to 255, got 256/],
    [{ seconds: 1, exitCode: Number.NaN }, RangeError, /`exitCode`.*got NaN/],
    [{ seconds: -0 }, RangeError, /`seconds`.*got 0\./],
    [{ seconds: true }, TypeError, /`seconds` to be a number, got true/],
    [{ seconds: 1, path: '  ' }, RangeError, /`path` to be a non-empty string/],
    [
      { seconds: 1, path: 'dumps-\uD800' },
      RangeError,
      /`path` to be well-formed Unicode.*got "dumps-\\ud800"/,
    ],
    [{ seconds: 1, label: '' }, RangeError, /`label` to be a non-empty string/],
    [{ seconds: 1, label: 'a\0b' }, RangeError, /`label` to contain no NUL/],
    [{ seconds: 1, label: Symbol('x') }, TypeError, /`label` to be a string, got Symbol\(x\)/],
    [{ seconds: 1, onBlocked: '' }, TypeError, /`onBlocked` to be 'exit' or 'continue', got ""/],
    [{ seconds: 1, [`${'k'.repeat(100)}`]: 1 }, TypeError, /Unknown option `k{100}`/],
    [{ seconds: 1, promises: 'yes' }, TypeError, /`promises` to be a boolean, got "yes"/],
  ])('armHangDump(%j) throws %s', (input, Kind, message) => {
    expect(() => armHangDump(input as never)).toThrow(Kind);
    expect(() => armHangDump(input as never)).toThrow(message);
  });

  test('a 10 MB label is taken (and cut to 512 bytes in the dump); the error for a huge value stays short', () => {
    const guard = armHangDump({ seconds: 100, label: 'x'.repeat(10_000_000) });
    guard.disarm();
    let message = '';
    try {
      armHangDump({ seconds: 1, onBlocked: 'y'.repeat(10_000_000) } as never);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(`Expected \`onBlocked\` to be 'exit' or 'continue', got "${'y'.repeat(57)}...".`);
  });

  test.each([null, undefined, 42, {}, 'fn'])(
    'dumpOnHang(1, %s) throws a TypeError naming the function',
    (fn) => {
      expect(() => dumpOnHang(1, fn as never)).toThrow(/^Expected a function to guard, got /);
    },
  );

  test('errors carry a code, checkable across realms', () => {
    expect(() => armHangDump(-1)).toThrow(expect.objectContaining({ code: 'ERR_HANGDUMP_INVALID_OPTION' }));
  });

  test('dumpOnHang checks both its arguments at the call', () => {
    expect(() => dumpOnHang(-1, () => {})).toThrow(RangeError);
    expect(() => dumpOnHang(1, 'nope' as never)).toThrow(/Expected a function to guard, got "nope"/);
  });
});

describe('dumpOnHang keeps the function as runners see it', () => {
  test('name, length, source text, this and arguments', async () => {
    const guarded = dumpOnHang(5, function named(this: { x: number }, a: number, b: number) {
      return this.x + a + b;
    });
    expect(guarded.name).toBe('named');
    expect(guarded.length).toBe(2);
    expect(guarded.toString()).toContain('return this.x + a + b');
    expect(guarded.call({ x: 1 }, 2, 3)).toBe(6);
  });

  test('returns, throws and rejects exactly as the function does', async () => {
    const value = { v: 1 };
    expect(dumpOnHang(5, () => value)()).toBe(value);
    const error = new Error('boom');
    expect(() =>
      dumpOnHang(5, () => {
        throw error;
      })(),
    ).toThrow(error);
    const promise = dumpOnHang(5, async () => {
      throw error;
    })();
    await expect(promise).rejects.toBe(error);
  });

  test('a done callback is passed through with its properties', async () => {
    const seen: unknown[] = [];
    const done = Object.assign((...args: unknown[]) => seen.push(args), { fail: () => 'failed' });
    const guarded = dumpOnHang(5, (cb: typeof done) => {
      expect(cb.fail()).toBe('failed');
      setTimeout(() => cb('ok'), 5);
    });
    guarded(done);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual([['ok']]);
  });

  test('a guard is a disposable', () => {
    const guard = armHangDump({ seconds: 5, label: 'disposable' });
    expect(typeof guard[Symbol.dispose]).toBe('function');
    guard[Symbol.dispose]();
    guard.disarm();
    expect(guard.dump).toBeUndefined();
  });
});

describe('the Vitest plugin: bad options fail the config, naming the option', () => {
  test.each([
    [null, TypeError, /hangdump's options to be an object, got null/],
    [5, TypeError, /options to be an object, got 5/],
    [[], TypeError, /options to be an object, got an array/],
    [{ budgt: 5 }, TypeError, /Unknown hangdump option `budgt`: expected one of dir, budget/],
    [{ dir: '' }, RangeError, /`dir` to be a non-empty string/],
    [{ dir: 5 }, TypeError, /`dir` to be a string, got 5/],
    [{ dir: 'a\0b' }, RangeError, /`dir` to contain no NUL/],
    [{ dir: '\uDC00dumps' }, RangeError, /`dir` to be well-formed Unicode/],
    [{ dir: 'x'.repeat(5000) }, RangeError, /`dir` to be at most 4096 bytes/],
    [{ budget: '5' }, TypeError, /`budget` to be 'timeout' or a number of seconds, got "5"/],
    [{ budget: 0 }, RangeError, /`budget` to be a finite number of seconds greater than 0.*got 0/],
    [{ budget: -1 }, RangeError, /`budget`.*got -1/],
    [{ budget: Number.NaN }, RangeError, /`budget`.*got NaN/],
    [{ budget: Number.POSITIVE_INFINITY }, RangeError, /`budget`.*got Infinity/],
    [{ budget: 1e12 }, RangeError, /`budget`.*at most 2000000/],
    [{ onBlocked: 'kill' }, TypeError, /`onBlocked` to be 'exit' or 'continue', got "kill"/],
    [{ leftovers: 'yes' }, TypeError, /`leftovers` to be 'files', 'tests' or false, got "yes"/],
    [{ leftovers: true }, TypeError, /`leftovers` to be 'files', 'tests' or false, got true/],
    [
      { runDeadline: 0 },
      RangeError,
      /`runDeadline` to be a duration .*more than 0 and at most 23 days, got 0/,
    ],
    [{ runDeadline: '0s' }, RangeError, /`runDeadline`.*got "0s"/],
    [{ runDeadline: '-5m' }, RangeError, /`runDeadline`.*got "-5m"/],
    [{ runDeadline: '' }, RangeError, /`runDeadline`.*got ""/],
    [{ runDeadline: '25 minutes' }, RangeError, /`runDeadline`.*got "25 minutes"/],
    // Longer than setTimeout takes: it would end the run at once.
    [{ runDeadline: '999h' }, RangeError, /`runDeadline`.*got "999h"/],
    [{ runDeadline: Number.NaN }, RangeError, /`runDeadline`.*got NaN/],
    [{ runDeadline: {} }, RangeError, /`runDeadline`.*got an object/],
  ])('hangdump(%j) throws %s', (input, Kind, message) => {
    expect(() => hangdump(input as never)).toThrow(Kind);
    expect(() => hangdump(input as never)).toThrow(message);
  });

  test('good options are taken', () => {
    const good: (HangdumpVitestOptions | undefined)[] = [
      undefined,
      {},
      { dir: 'dumps', budget: 0.5, runDeadline: '25m', leftovers: 'tests' },
      { leftovers: 'files' },
      { leftovers: false },
    ];
    for (const options of good) {
      expect(hangdump(options).name).toBe('hangdump');
    }
  });
});

describe('the Jest environment: bad testEnvironmentOptions.hangdump fail the file, naming the option', () => {
  const config = (hangdump: unknown) => ({
    id: 'options-test',
    rootDir: ROOT,
    testRunner: path.join(ROOT, 'node_modules/jest-circus/build/runner.js'),
    testEnvironmentOptions: { hangdump },
  });
  test.each([
    [5, TypeError, /testEnvironmentOptions\.hangdump to be an object, got 5/],
    [[], TypeError, /testEnvironmentOptions\.hangdump to be an object, got an array/],
    [{ enviroment: 'jsdom' }, TypeError, /Unknown option `enviroment` in testEnvironmentOptions\.hangdump/],
    [{ environment: '' }, TypeError, /environment to be a test environment's name or path, got ""/],
    [{ environment: 42 }, TypeError, /environment to be a test environment's name or path, got 42/],
    [
      { promises: 'yes' },
      TypeError,
      /`testEnvironmentOptions\.hangdump\.promises` to be a boolean, got "yes"/,
    ],
    [{ environment: 'no-such-environment' }, Error, /cannot find the test environment "no-such-environment"/],
  ])('%j throws %s', (options, Kind, message) => {
    expect(() => wrappedEnvironment(config(options))).toThrow(Kind);
    expect(() => wrappedEnvironment(config(options))).toThrow(message);
  });
});
