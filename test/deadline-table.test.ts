import { expect, test } from 'vitest';
import { DeadlineTable } from '../src/watchdog/deadline-table.js';
import { type LabelPart, labelPart } from '../src/watchdog/label-part.js';
import { LABEL_CAPACITY } from '../src/watchdog/protocol.js';
import { allocateTable } from '../src/watchdog/table-memory.js';

/** A table over real shared memory, and what a reader (a watchdog) decodes from one of its slots. */
function tableWithReader() {
  const { control, firstPage } = allocateTable(false);
  const table = new DeadlineTable(control, [firstPage]);
  // Each prefix and suffix encoded once, as a runner hands the same parts over again.
  const parts = new Map<string, LabelPart>();
  const part = (text: string) => parts.get(text) ?? (parts.set(text, labelPart(text)).get(text) as LabelPart);
  /** A label in parts, as a runner arms its steps; or a string, any other label. */
  const arm = (slot: number, label: string | { prefix: string; name: string; suffix: string }) => {
    const { prefix, name, suffix } =
      typeof label === 'string' ? { prefix: label, name: '', suffix: '' } : label;
    const policy = { onBlocked: 'exit', exitCode: 1, path: undefined } as const;
    table.arm(slot, 1e9, 0, 1000, policy, part(prefix), name, part(suffix));
  };
  const labelAt = (slot: number) => table.read(slot, table.generation(slot))?.label;
  return { table, arm, labelAt };
}

test("a runner's label parts read as one label, whichever parts the slot held before", () => {
  const { arm, labelAt } = tableWithReader();
  const prefix = 'a.test.ts > suite > ';
  const steps = [
    { prefix, name: 'first', suffix: ' [beforeEach]' },
    { prefix, name: 'first', suffix: '' },
    { prefix, name: 'first', suffix: ' [afterEach]' },
    // A shorter name than the slot holds: nothing of the longer one may show through.
    { prefix, name: 'se', suffix: ' [beforeEach]' },
    { prefix, name: 'se', suffix: '' },
    // Another suite, then a hook of a suite (no name), then a plain string.
    { prefix: 'b.test.ts > other > ', name: 'third', suffix: '' },
    { prefix: 'b.test.ts > other', name: '', suffix: ' [afterAll]' },
  ];
  for (const parts of steps) {
    arm(0, parts);
    expect(labelAt(0)).toBe(`${parts.prefix}${parts.name}${parts.suffix}`);
  }
  arm(0, 'a plain label');
  expect(labelAt(0)).toBe('a plain label');
  arm(0, { prefix, name: 'first', suffix: '' });
  expect(labelAt(0)).toBe(`${prefix}first`);
});

test('labels beyond ASCII are encoded as UTF-8, and a label too long for its slot is cut at a character', () => {
  const { table, arm, labelAt } = tableWithReader();
  arm(1, { prefix: 'ü.test.ts > ', name: 'naïve 🙂 test', suffix: ' [beforeEach]' });
  expect(labelAt(1)).toBe('ü.test.ts > naïve 🙂 test [beforeEach]');
  arm(1, { prefix: 'ü.test.ts > ', name: 'naïve 🙂 test', suffix: '' });
  expect(labelAt(1)).toBe('ü.test.ts > naïve 🙂 test');

  const long = 'x'.repeat(LABEL_CAPACITY - 2);
  arm(2, { prefix: long, name: '🙂🙂', suffix: ' [afterEach]' });
  expect(labelAt(2)).toBe(long);
  // An ASCII part with less room left than its length: cut too, and nothing after it.
  arm(2, { prefix: long, name: 'abcd', suffix: 'e' });
  expect(labelAt(2)).toBe(`${long}ab`);
  expect(table.labelLength(2)).toBe(LABEL_CAPACITY);
  arm(2, { prefix: 'y'.repeat(LABEL_CAPACITY + 10), name: 'z', suffix: '' });
  expect(labelAt(2)).toBe('y'.repeat(LABEL_CAPACITY));
});

test("a slot's policy and path are the last arm's, whichever policy it held before", () => {
  const { table } = tableWithReader();
  const first = { onBlocked: 'continue', exitCode: 3, path: '/tmp/first.hang.txt' } as const;
  const second = { onBlocked: 'exit', exitCode: 7, path: undefined } as const;
  const read = (policy: typeof first | typeof second) => {
    table.arm(4, 1e9, 0, 1000, policy, labelPart('x'), '', labelPart(''));
    const { onBlocked, exitCode, path } = table.read(4, table.generation(4)) ?? {};
    return { onBlocked, exitCode, path };
  };
  expect(read(first)).toEqual(first);
  expect(read(first)).toEqual(first);
  expect(read(second)).toEqual(second);
  expect(read(first)).toEqual(first);
});
