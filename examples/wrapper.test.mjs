// The wrapper form in node:test (the same line works in Vitest and Jest): run with
//   node --test examples/wrapper.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dumpOnHang } from 'hangdump';

test(
  'answers quickly',
  dumpOnHang(5, async () => {
    const answer = await new Promise((resolve) => setTimeout(resolve, 10, 42));
    assert.equal(answer, 42);
  }),
);
