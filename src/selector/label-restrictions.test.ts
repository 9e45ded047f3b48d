import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSelector } from './index.js';
import { restrictionsMatchNothing, type LabelRestriction } from './label-restrictions.js';

/** Compact restriction: P = must be present, A = must be absent, values listed after "=". */
function show(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [label, r] of parseSelector(text).labelRestrictions()) out[label] = fmt(r);
  return out;
}

function fmt(r: LabelRestriction): string {
  return `${r.mustBePresent ? 'P' : ''}${r.mustBeAbsent ? 'A' : ''}${
    r.mustHaveOneOfValues === undefined ? '' : `=${r.mustHaveOneOfValues.join(',')}`
  }`;
}

const cases: Array<[string, Record<string, string>]> = [
  ['', {}],
  ['all()', {}],
  ['global()', {}],
  ["a == 'value'", { a: 'P=value' }],
  ['has(a)', { a: 'P' }],
  ["a in {'v1','v2'}", { a: 'P=v1,v2' }],
  ['a in {}', { a: 'P=' }],
  ["a not in {'v1','v2'}", {}],
  ["a contains 'foo'", { a: 'P' }],
  ["a ends with 'foo'", { a: 'P' }],
  ["a starts with 'foo'", { a: 'P' }],
  ["a != 'value'", {}],
  // AND: everything applies; values intersect.
  ["a == 'v1' && a == 'v1'", { a: 'P=v1' }],
  ["a == 'v1' && a == 'v2'", { a: 'P=' }],
  ["a == 'v1' && has(a)", { a: 'P=v1' }],
  ["a in {'v1','v2'} && a in {'v2','v3'}", { a: 'P=v2' }],
  ["a in {'v1','v2','v3'} && a in {'v2','v3'}", { a: 'P=v2,v3' }],
  ["has(a) && a == 'v1'", { a: 'P=v1' }],
  ['has(a) && !has(a)', { a: 'PA' }],
  ["a == 'v1' && b == 'v2'", { a: 'P=v1', b: 'P=v2' }],
  ["a == 'v1' && all()", { a: 'P=v1' }],
  ["all() && a == 'v1'", { a: 'P=v1' }],
  // OR: only what every branch demands; values unite.
  ["a == 'v1' || a == 'v2'", { a: 'P=v1,v2' }],
  ["has(a) || a == 'v2'", { a: 'P' }],
  ["a=='v2' || has(a)", { a: 'P' }],
  ["a=='v2' || has(b)", {}],
  ["a=='v2' || (has(b) && has(a))", { a: 'P' }],
  ["a == 'v1' || b == 'v2'", {}],
  ["a == 'v1' || all()", {}],
  ["all() || b == 'v2'", {}],
  ['!has(a) || !has(a)', { a: 'A' }],
  ['!has(a) || has(a)', {}],
  // NOT: only !has() can be inverted.
  ["!(a == 'value')", {}],
  ['!has(a)', { a: 'A' }],
  ['!!has(a)', { a: 'P' }],
  ['!(has(a) && has(b))', {}],
];

describe('Selector.labelRestrictions()', () => {
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} -> ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(show(text), expected);
      if (text !== '') assert.deepEqual(show(`all() && (${text})`), expected, 'an extra all() && changes nothing');
    });
  }

  it('flags selectors that can match nothing', () => {
    for (const text of ['a in {}', "a == 'x' && a == 'y'", 'has(a) && !has(a)', "(a == 'x' && a in {'y'}) || a in {}"]) {
      assert.equal(restrictionsMatchNothing(parseSelector(text).labelRestrictions()), true, text);
    }
    for (const text of ['a not in {}', "a == 'x' || b == 'y'", '!has(a)', "a == 'x' && a in {'x','y'}"]) {
      assert.equal(restrictionsMatchNothing(parseSelector(text).labelRestrictions()), false, text);
    }
  });
});
