import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALL_SELECTOR,
  canonicaliseSelector,
  parseSelector,
  prefixSelectorLabels,
  SelectorSyntaxError,
  tryParseSelector,
  validateSelector,
} from './index.js';
import { MAX_NESTING } from './parser.js';

type L = Record<string, string>;

/** Each row: selector, label sets it must match, label sets it must not match. */
const evaluationCases: Array<[string, L[], L[]]> = [
  ['a == "b"', [{ a: 'b' }, { a: 'b', c: 'd' }], [{}, { a: 'c' }, { c: 'd' }, { a: 'B' }, { a: 'b ' }]],
  ["a == ''", [{ a: '' }], [{}, { a: 'x' }]],
  ['a == "b" && c == "d"', [{ a: 'b', c: 'd' }], [{}, { a: 'b', c: 'e' }, { a: 'c', c: 'd' }, { c: 'd' }, { a: 'b' }]],
  ['a == "b" || c == "d"', [{ a: 'b', c: 'd' }, { a: 'b' }, { c: 'd' }], [{}, { a: 'e', c: 'e' }, { c: 'e' }, { a: 'e' }]],
  [`a in {"'", '"', "c"}`, [{ a: 'c' }, { a: '"' }, { a: "'" }], [{}, { a: 'e' }]],
  [`a not in {"'", '"', "c"}`, [{}, { a: 'e' }], [{ a: 'c' }, { a: '"' }, { a: "'" }]],
  // != and not in are true when the label is absent.
  ['a != "b"', [{ a: 'a' }, {}, { b: 'b' }], [{ a: 'b' }]],
  ['a not in {"d", "e"}', [{ a: 'a' }, {}], [{ a: 'd' }, { a: 'e' }]],
  // The empty set: "in" matches nothing, "not in" everything.
  ['a in {}', [], [{}, { a: '' }, { a: 'x' }]],
  ['a not in {}', [{}, { a: '' }, { a: 'x' }], []],
  ['a in {"x",}', [{ a: 'x' }], [{ a: '' }]],
  ['a contains "a"', [{ a: 'a' }, { a: 'bab' }, { a: 'aaa', b: 'c' }], [{}, { a: 'b' }, { b: 'aaa' }]],
  ['a contains ""', [{ a: '' }, { a: 'x' }], [{}]],
  ['a starts with "a"', [{ a: 'a' }, { a: 'abb' }], [{}, { a: 'b' }, { a: 'baa' }, { b: 'aaa' }]],
  ['a ends with "a"', [{ a: 'a' }, { a: 'bba' }], [{}, { a: 'b' }, { a: 'aab' }, { b: 'aaa' }]],
  ['a ends with ""', [{ a: 'q' }], [{}]],
  ['has(a)', [{ a: 'b' }, { a: '' }], [{}, { b: 'a' }]],
  ['!has(a)', [{ b: 'b' }, {}], [{ a: 'b' }, { a: '' }]],
  ['', [{}, { a: 'b' }], []],
  [' \t ', [{}, { a: 'b' }], []],
  ['all()', [{}, { a: 'b' }], []],
  [' all( )', [{}], []],
  ['global()', [{}, { a: 'b' }], []],
  ['!all()', [], [{}, { a: 'b' }]],
  ['!global()', [], [{}]],
  // Multiple "!" collapse by parity, with or without spaces.
  ['!!has(b)', [{ b: 'x' }], [{ a: 'b' }]],
  ['! has(a)', [], [{ a: 'b' }]],
  ['!!! has(a)', [], [{ a: 'b' }]],
  ['!! ! has(a)', [{}], [{ a: 'b' }]],
  ['! !!has(a)', [{}], [{ a: 'b' }]],
  ['!(!has(a))', [{ a: 'b' }], [{}]],
  ['!a in {"a"}', [{ a: 'b' }, {}], [{ a: 'a' }]],
  // Precedence: ! binds tighter than &&, which binds tighter than ||.
  ['!a == "a1" && b == "b1"', [{ b: 'b1' }, { a: 'x', b: 'b1' }], [{ a: 'a1', b: 'b1' }]],
  ['a != "a1" && !b == "b1"', [{}], [{ a: 'a1', b: 'b1' }]],
  ['has(a) && !has(b)', [{ a: 'a' }], [{ a: 'a', b: 'b' }, {}]],
  ['!(!has(a) || has(b))', [{ a: 'a' }], [{ a: 'a', b: 'b' }, {}]],
  ['!(has(b) || !has(a))', [{ a: 'a' }], [{ b: 'b' }]],
  ['a == "1" || b == "1" && c == "1"', [{ a: '1' }, { b: '1', c: '1' }], [{ b: '1' }, { c: '1' }]],
  ['(a == "1" || b == "1") && c == "1"', [{ a: '1', c: '1' }, { b: '1', c: '1' }], [{ a: '1' }, { b: '1' }]],
  ['!a == "1" || b == "1"', [{}, { a: '1', b: '1' }], [{ a: '1' }]],
  ['!(a == "1" || b == "1")', [{}], [{ a: '1' }, { b: '1' }]],
  ['a != "a1" || b != "b1"', [{ a: 'a1' }], [{ a: 'a1', b: 'b1' }]],
  ['! a == "a1" || ! b == "b1"', [{ a: 'a1' }], [{ a: 'a1', b: 'b1' }]],
  // Keywords as label names (first token of a term).
  ['in in {"a"}', [{ in: 'a' }], [{ a: 'a' }]],
  ['has == "x" && all != "y"', [{ has: 'x' }], [{ has: 'x', all: 'y' }]],
  ['not not in {"a"}', [{}], [{ not: 'a' }]],
  ['contains contains "contains"', [{ contains: 'xcontainsx' }], [{ contains: 'x' }]],
  ['starts starts with "s"', [{ starts: 'sx' }], [{ starts: 'xs' }]],
  ['global == "g"', [{ global: 'g' }], [{}]],
  // Labels that collide with Object.prototype are ordinary labels.
  ['has(constructor) || toString != "y"', [{ constructor: '' }, {}], [{ toString: 'y' }]],
  // JSON.parse makes "__proto__" an own property, as label maps decoded from YAML/JSON have it.
  ['__proto__ == "x"', [JSON.parse('{"__proto__": "x"}') as L], [{}, JSON.parse('{"__proto__": "y"}') as L]],
  ['has(__proto__)', [JSON.parse('{"__proto__": ""}') as L], [{}]],
  ['projectcalico.org/namespace == "ns1"', [{ 'projectcalico.org/namespace': 'ns1' }], [{ namespace: 'ns1' }]],
  // String contents are compared exactly, including spaces and the other quote.
  [`a == 'x "y" z'`, [{ a: 'x "y" z' }], [{ a: 'x y z' }]],
  ['a == " spaced "', [{ a: ' spaced ' }], [{ a: 'spaced' }]],
];

/** Each row: bad selector, offset of the problem, and why it is bad. */
const badSelectors: Array<[string, number, string]> = [
  ['b == b', 5, 'right-hand side must be a string, not a label'],
  ['b contains b', 11, 'contains needs a string'],
  ['b starts with b', 14, 'starts with needs a string'],
  ['b ends with b', 12, 'ends with needs a string'],
  ["'b1' == b", 0, 'a literal cannot be on the left'],
  ['b', 1, 'a bare label is not an expression'],
  ['a b', 2, 'two labels in a row'],
  ['!', 1, 'negation of nothing'],
  ['foo == "bar" &', 13, 'half an &&'],
  ['foo == "bar" |', 13, 'half an ||'],
  ['foo != ||', 7, 'operator with no value'],
  ['foo in {"", ||', 12, 'set literal never closed'],
  ['foo in ""', 7, 'in needs a set literal, not a string'],
  ['foo in {"a" "b"}', 12, 'set items need commas'],
  ['foo in {,}', 8, 'a set cannot start with a comma'],
  ['foo in {"a",,}', 12, 'two commas in a row'],
  ['foo in {a}', 8, 'set items must be quoted'],
  ['"FOO', 0, 'unterminated string'],
  [`"FOO'`, 0, 'the other quote does not end a string'],
  ["'FOO", 0, 'unterminated single-quoted string'],
  ['(', 1, 'unterminated paren'],
  ['(a == "foo"', 11, 'unterminated paren'],
  [')', 0, 'close paren with no open'],
  ['()', 1, 'empty parens'],
  ['%', 0, 'unexpected character'],
  ['a == "b" && %', 12, 'unexpected character after &&'],
  ['a == "b" || %', 12, 'unexpected character after ||'],
  ['a ', 2, 'a label must be followed by an operator'],
  ['has(foo) &&', 11, '&& must be followed by an operand'],
  ['&& has(a)', 0, '&& needs a left operand'],
  ['has(a) has(b)', 7, 'two terms with no operator'],
  ['a == "b" c == "d"', 9, 'two terms with no operator'],
  ['has(a))', 6, 'extra close paren'],
  ['a == "b"\n', 8, 'newline is not whitespace in selectors'],
  ['a == "b" &&\nhas(c)', 11, 'newline is not whitespace even between terms'],
  ['A == "b" AND c == "d"', 13, 'keywords are case-sensitive; AND is a label here'],
  ['a IN {"b"}', 2, 'keywords are case-sensitive'],
  ['Has(a)', 3, 'has is case-sensitive'],
  ['has (a)', 4, 'no space allowed between has and ('],
  ['all ()', 4, 'no space allowed between all and ('],
  ['a == "b" ==', 9, 'dangling operator'],
  ['!= "b"', 0, '!= needs a label on the left'],
  ['a === "b"', 4, '=== is not an operator'],
  ['a ~= "b"', 2, 'no regex operator'],
];

/** Each row: input, canonical form, unique ID from Calico's own tests ('' when none is given there). */
const canonicalCases: Array<[string, string, string]> = [
  ['', 'all()', 's:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug'],
  [' all() ', 'all()', 's:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug'],
  [' (all() )', 'all()', 's:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug'],
  ['! (has( b)||! has(a ))', '!(has(b) || !has(a))', 's:Iss0uCleLYv1GSv_pNm7hAO58kE9jAx1NKyG3Q'],
  ['! (a == "b"&&! c != "d")', '!(a == "b" && !c != "d")', 's:lh3haoY1ikTRkd4UZu0nWSaIBknYLPJLX16d-w'],
  [`a == "'"`, `a == "'"`, ''],
  [`a == '"'`, `a == '"'`, ''],
  [`a contains '"'`, `a contains '"'`, ''],
  [`a contains "'"`, `a contains "'"`, ''],
  [`a startswith '"'`, `a starts with '"'`, ''],
  [`a endswith "'"`, `a ends with "'"`, ''],
  [`a!='"'`, `a != '"'`, ''],
  ["a == 'b'", 'a == "b"', ''],
  ['a in {"d"}', 'a in {"d"}', ''],
  ['a in {"d", "a", "b"}', 'a in {"a", "b", "d"}', ''],
  ['a in {"z", "z", "x", "y", "x", "a"}', 'a in {"a", "x", "y", "z"}', ''],
  [`a not in {'"', "'" ,}`, `a not in {'"', "'"}`, ''],
  ['a in {}', 'a in {}', ''],
  ['a   not\tin{}', 'a not in {}', ''],
  ['global( )', 'global()', ''],
  ['a == "1" && b == "2" && c == "3"', '(a == "1" && b == "2" && c == "3")', ''],
  ['a == "1" || b == "2" && c == "3"', '(a == "1" || (b == "2" && c == "3"))', ''],
  ['(a == "1" && b == "2") && c == "3"', '((a == "1" && b == "2") && c == "3")', ''],
  ['((((has(a)))))', 'has(a)', ''],
  ['!!has(a)', 'has(a)', ''],
  ['!(!has(a))', 'has(a)', ''],
  ['!(k == "v")', '!k == "v"', ''],
  [
    "!(!(k == 'v' && has(t) || all()) && (a in {'b', 'c'}))",
    '!(!((k == "v" && has(t)) || all()) && a in {"b", "c"})',
    '',
  ],
];

describe('parseSelector() evaluation', () => {
  for (const [text, matches, nonMatches] of evaluationCases) {
    it(`${JSON.stringify(text)} matches ${matches.length} and rejects ${nonMatches.length} label sets`, () => {
      const sel = parseSelector(text);
      const reparsed = parseSelector(sel.toString());
      for (const labels of matches) {
        assert.equal(sel.evaluate(labels), true, `should match ${JSON.stringify(labels)}`);
        assert.equal(sel.evaluateLabels(new Map(Object.entries(labels))), true);
        assert.equal(reparsed.evaluate(labels), true, `canonical form should match ${JSON.stringify(labels)}`);
      }
      for (const labels of nonMatches) {
        assert.equal(sel.evaluate(labels), false, `should not match ${JSON.stringify(labels)}`);
        assert.equal(sel.evaluateLabels(new Map(Object.entries(labels))), false);
        assert.equal(reparsed.evaluate(labels), false, `canonical form should not match ${JSON.stringify(labels)}`);
      }
      assert.equal(sel.uniqueId(), reparsed.uniqueId());
    });
  }
});

describe('parseSelector() rejects bad selectors', () => {
  for (const [text, offset, why] of badSelectors) {
    it(`rejects ${JSON.stringify(text)}: ${why}`, () => {
      assert.throws(
        () => parseSelector(text),
        (err: unknown) => {
          assert.ok(err instanceof SelectorSyntaxError, `expected SelectorSyntaxError, got ${String(err)}`);
          assert.ok(err instanceof SyntaxError);
          assert.equal(err.offset, offset, `offset for ${JSON.stringify(text)}: ${err.message}`);
          assert.equal(err.selector, text);
          assert.match(err.message, /^invalid selector /);
          return true;
        },
      );
      assert.throws(() => validateSelector(text), SelectorSyntaxError);
      assert.equal(tryParseSelector(text), undefined);
    });
  }

  it('rejects parentheses nested too deeply instead of overflowing the stack', () => {
    const deep = `${'('.repeat(MAX_NESTING + 1)}has(a)${')'.repeat(MAX_NESTING + 1)}`;
    assert.throws(() => parseSelector(deep), SelectorSyntaxError);
    const ok = `${'('.repeat(MAX_NESTING)}has(a)${')'.repeat(MAX_NESTING)}`;
    assert.equal(parseSelector(ok).toString(), 'has(a)');
  });

  it('gives a message that names the problem', () => {
    assert.throws(() => parseSelector('app = "web"'), /expected "==" but found a single "=".*at offset 4/);
    assert.throws(() => parseSelector('app == web'), /expected a quoted string after "==", found label "web"/);
    assert.throws(() => parseSelector('app in "web"'), /expected a set literal/);
    assert.throws(() => parseSelector('(has(a)'), /expected "\)" to close the "\(" at offset 0/);
  });
});

describe('canonical form', () => {
  for (const [input, canonical, uid] of canonicalCases) {
    it(`canonicalises ${JSON.stringify(input)} as ${JSON.stringify(canonical)} and round-trips`, () => {
      const sel = parseSelector(input);
      assert.equal(sel.toString(), canonical);
      assert.equal(canonicaliseSelector(input), canonical);
      const again = parseSelector(canonical);
      assert.equal(again.toString(), canonical);
      assert.equal(again.uniqueId(), sel.uniqueId());
      assert.equal(sel.uniqueId(), sel.uniqueId());
      assert.match(sel.uniqueId(), /^s:[A-Za-z0-9_-]{38}$/);
      if (uid !== '') assert.equal(sel.uniqueId(), uid);
    });
  }

  it('sorts set values in UTF-8 byte order, as Go does', () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (4 bytes, F0 ...), unlike UTF-16 order.
    assert.equal(canonicaliseSelector('a in {"😀", "～", "B", "a"}'), 'a in {"B", "a", "～", "😀"}');
  });

  it('gives equivalent spellings one unique ID', () => {
    const a = parseSelector(`role in {'web','db'}&&!has( quarantine )`);
    const b = parseSelector('(role in {"db", "web", "db"}) && ! ! !has(quarantine)');
    assert.equal(a.uniqueId(), b.uniqueId());
    assert.notEqual(a.uniqueId(), parseSelector('role in {"db"} && !has(quarantine)').uniqueId());
  });

  it('serialises to JSON as its canonical text', () => {
    assert.equal(JSON.stringify({ s: parseSelector("a=='b'") }), '{"s":"a == \\"b\\""}');
  });
});

describe('ALL_SELECTOR and helpers', () => {
  it('ALL_SELECTOR is all()', () => {
    assert.equal(ALL_SELECTOR.toString(), 'all()');
    assert.equal(ALL_SELECTOR.uniqueId(), 's:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug');
    assert.equal(ALL_SELECTOR.evaluate({ anything: 'x' }), true);
  });

  it('tryParseSelector() returns a selector for valid text', () => {
    assert.equal(tryParseSelector('has(a)')?.toString(), 'has(a)');
  });

  it('prefixSelectorLabels() prefixes every label, as Calico does for namespaceSelector', () => {
    const cases: Array<[string, string]> = [
      ["k == 'v'", 'visited/k == "v"'],
      ["k != 'v'", 'visited/k != "v"'],
      ["k contains 'v'", 'visited/k contains "v"'],
      ["k starts with 'v'", 'visited/k starts with "v"'],
      ["k ends with 'v'", 'visited/k ends with "v"'],
      ["k == 'v' && x == 'y'", '(visited/k == "v" && visited/x == "y")'],
      ["k == 'v' || has(x)", '(visited/k == "v" || has(visited/x))'],
      ["!(k == 'v')", '!visited/k == "v"'],
      ["k in {'v'}", 'visited/k in {"v"}'],
      ["k not in {'v'}", 'visited/k not in {"v"}'],
      [
        "!(!(k == 'v' && has(t) || all()) && (a in {'b', 'c'}))",
        '!(!((visited/k == "v" && has(visited/t)) || all()) && visited/a in {"b", "c"})',
      ],
    ];
    for (const [input, expected] of cases) {
      const original = parseSelector(input);
      const before = original.toString();
      const prefixed = prefixSelectorLabels(original, 'visited/');
      assert.equal(prefixed.toString(), expected);
      assert.equal(original.toString(), before, 'the original is not modified');
    }
    assert.equal(prefixSelectorLabels(parseSelector('has(a)'), 'pcns.').evaluate({ 'pcns.a': '' }), true);
  });
});
