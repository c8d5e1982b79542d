import { armHangDump, dumpOnHang } from 'hangdump';
import { describe, expect, test } from 'vitest';

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
    [{ seconds: 1, promises: 'yes' }, TypeError, /`promises` to be a boolean, got "yes"/],
  ])('armHangDump(%j) throws %s', (input, Kind, message) => {
    expect(() => armHangDump(input as never)).toThrow(Kind);
    expect(() => armHangDump(input as never)).toThrow(message);
  });

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
