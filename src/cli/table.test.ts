import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goFloat, goJoin, goValue, renderTable } from './table.js';

test('renderTable() pads every column like tabwriter(minwidth 5, padding 3)', () => {
  const out = renderTable([
    ['NAME', 'CIDR', 'SELECTOR'],
    ['default-ipv4-ippool', '192.168.0.0/16', 'all()'],
  ]);
  assert.equal(
    out,
    'NAME                  CIDR             SELECTOR   \n' + 'default-ipv4-ippool   192.168.0.0/16   all()      \n',
  );
  // Narrow columns still get the minimum width of 5.
  assert.equal(renderTable([['A'], ['b']]), 'A    \nb    \n');
});

test('goFloat() prints like Go %v', () => {
  assert.equal(goFloat(1000000), '1e+06');
  assert.equal(goFloat(10000000), '1e+07');
  assert.equal(goFloat(1000), '1000');
  assert.equal(goFloat(100.5), '100.5');
  assert.equal(goFloat(123456), '123456');
  assert.equal(goFloat(1234567), '1.234567e+06');
  assert.equal(goFloat(0.0001), '0.0001');
  assert.equal(goFloat(0.00001), '1e-05');
});

test('goValue() and goJoin() render like calicoctl templates', () => {
  assert.equal(goValue(undefined), '<nil>');
  assert.equal(goValue(true), 'true');
  assert.equal(goJoin(['10.0.0.1/32', 'fd00::1/128'], ','), '10.0.0.1/32,fd00::1/128');
  assert.equal(goJoin({ b: '2', a: '1' }, ','), 'a=1,b=2');
  assert.equal(goJoin([{ internalIP: '10.0.0.1', externalIP: '1.2.3.4' }], ','), '{10.0.0.1 1.2.3.4}');
  const long = goJoin(Array.from({ length: 20 }, (_, i) => `10.0.${i}.0/24`), ',', 80);
  assert.equal(long.length, 80);
  assert.ok(long.endsWith('...'));
  assert.equal(goJoin(undefined, ','), '');
});
