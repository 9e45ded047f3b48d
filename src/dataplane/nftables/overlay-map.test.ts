import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withReplaced } from './overlay-map.js';

test('withReplaced() reads as the base map with the replaced values, in the base order', () => {
  const base = new Map<string, number>(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
  const a = withReplaced(base, new Map([['k3', -3]]));
  assert.equal(a.size, 100);
  assert.equal(a.get('k3'), -3);
  assert.equal(a.get('k4'), 4);
  assert.equal(a.has('k99'), true);
  assert.equal(a.has('nope'), false);
  assert.deepEqual([...a].slice(2, 5), [['k2', 2], ['k3', -3], ['k4', 4]]);
  assert.deepEqual([...a.values()].slice(3, 4), [-3]);
  const b = withReplaced(a, new Map([['k4', -4]]));
  assert.deepEqual([b.get('k3'), b.get('k4'), a.get('k4')], [-3, -4, 4]);
  assert.equal(base.get('k3'), 3, 'the base map is untouched');
  let n = 0;
  b.forEach((v, k) => {
    if (v < 0) n++;
    assert.ok(k.startsWith('k'));
  });
  assert.equal(n, 2);
});

test('withReplaced() copies into a plain map once the replacements grow, and refuses new keys', () => {
  const base = new Map(Array.from({ length: 16 }, (_, i) => [i, i] as const));
  let m: ReadonlyMap<number, number> = base;
  for (let i = 0; i < 3; i++) m = withReplaced(m, new Map([[i, -i - 1]]));
  assert.ok(m instanceof Map, 'flattened after 3 of 16 replaced');
  assert.deepEqual([m.get(0), m.get(1), m.get(2), m.get(3)], [-1, -2, -3, 3]);
  assert.throws(() => withReplaced(base, new Map([[99, 1]])), /not in the map/);
  assert.equal(withReplaced(base, new Map()), base);
});
