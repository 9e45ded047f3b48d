import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goF0, goG5, renderBoxTable, withPercentage } from './_format.js';

test('goG5() matches Go %.5g', () => {
  const cases: Array<[number, string]> = [
    [0, '0'], [5, '5'], [256, '256'], [65536, '65536'], [65531, '65531'], [99999, '99999'],
    [100000, '1e+05'], [16777216, '1.6777e+07'], [1.8446744073709552e19, '1.8447e+19'], [0.5, '0.5'], [12.345678, '12.346'],
  ];
  for (const [n, want] of cases) assert.equal(goG5(n), want, String(n));
});

test('goF0() rounds half to even like Go %.f', () => {
  assert.deepEqual([0.4, 0.5, 1.5, 2.5, 18.75, 99.99].map(goF0), ['0', '0', '2', '2', '19', '100']);
  assert.equal(withPercentage(5, 65536), '5 (0%)');
  assert.equal(withPercentage(65531, 65536), '65531 (100%)');
  assert.equal(withPercentage(0, 0), '0 (0%)');
});

test('renderBoxTable() draws rules, uppercases headers and right-aligns chosen columns', () => {
  assert.equal(renderBoxTable(['name', 'n'], [['a', '1'], ['bbb', '22']], { alignRight: [1] }), [
    '+------+----+', '| NAME | N  |', '+------+----+', '| a    |  1 |', '| bbb  | 22 |', '+------+----+', '',
  ].join('\n'));
  assert.equal(renderBoxTable(['x'], []), '+---+\n| X |\n+---+\n');
});
