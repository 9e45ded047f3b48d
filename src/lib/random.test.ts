import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBytes, randomUUID } from './random.js';

test('randomUUID() is a version 4, RFC variant UUID and does not repeat', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const u = randomUUID();
    assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    seen.add(u);
  }
  assert.equal(seen.size, 2000);
});

test('randomBytes() returns the length asked for, with varying content', () => {
  assert.equal(randomBytes(0).length, 0);
  const a = randomBytes(64);
  const b = randomBytes(64);
  assert.equal(a.length, 64);
  assert.notDeepEqual(a, b);
});
