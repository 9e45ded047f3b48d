import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedQueue } from './keyed-queue.js';

test('KeyedQueue runs tasks one at a time per key, in order, and survives failures', async () => {
  const q = new KeyedQueue();
  const log: string[] = [];
  let running = 0;
  const task = (name: string, fail = false) => async () => {
    running++;
    assert.equal(running, 1, 'never two at once for one key');
    await new Promise((r) => setTimeout(r, 2));
    log.push(name);
    running--;
    if (fail) throw new Error(name);
    return name;
  };
  const results = await Promise.allSettled([q.run('k', task('a')), q.run('k', task('b', true)), q.run('k', task('c'))]);
  assert.deepEqual(log, ['a', 'b', 'c']);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  // Different keys do not wait for each other.
  let otherDone = false;
  const slow = q.run('x', () => new Promise((r) => setTimeout(r, 30)));
  await q.run('y', async () => {
    otherDone = true;
  });
  assert.ok(otherDone);
  await slow;
});
