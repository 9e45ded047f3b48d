import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SelectorSyntaxError } from './errors.js';
import { isValidSelectorLabel, tokenize, type TokenKind } from './tokenizer.js';

/** Compact "Kind(value)" form so table rows stay readable. */
function show(input: string): string[] {
  return tokenize(input).map((t) => (t.value === '' ? t.kind : `${t.kind}(${t.value})`));
}

const cases: Array<[string, string[]]> = [
  ['a=="b"', ['Label(a)', 'Eq', 'StringLiteral(b)', 'EOF']],
  ['label == "value"', ['Label(label)', 'Eq', 'StringLiteral(value)', 'EOF']],
  ['label contains "value"', ['Label(label)', 'Contains', 'StringLiteral(value)', 'EOF']],
  // Keywords are labels when not straight after a label.
  ['contains contains "contains"', ['Label(contains)', 'Contains', 'StringLiteral(contains)', 'EOF']],
  ["contains contains 'contains'", ['Label(contains)', 'Contains', 'StringLiteral(contains)', 'EOF']],
  ['label contains"value"', ['Label(label)', 'Contains', 'StringLiteral(value)', 'EOF']],
  ['label startswith "value"', ['Label(label)', 'StartsWith', 'StringLiteral(value)', 'EOF']],
  ['label endswith "value"', ['Label(label)', 'EndsWith', 'StringLiteral(value)', 'EOF']],
  ['label starts with "value"', ['Label(label)', 'StartsWith', 'StringLiteral(value)', 'EOF']],
  ['label starts \t with "value"', ['Label(label)', 'StartsWith', 'StringLiteral(value)', 'EOF']],
  ['startswith starts with "value"', ['Label(startswith)', 'StartsWith', 'StringLiteral(value)', 'EOF']],
  ['label ends  with "value"', ['Label(label)', 'EndsWith', 'StringLiteral(value)', 'EOF']],
  ['endswith ends with "value"', ['Label(endswith)', 'EndsWith', 'StringLiteral(value)', 'EOF']],
  [
    'a not in "bar" && !has(foo) || b in c',
    ['Label(a)', 'NotIn', 'StringLiteral(bar)', 'And', 'Not', 'Has(foo)', 'Or', 'Label(b)', 'In', 'Label(c)', 'EOF'],
  ],
  [
    'a  not  in  "bar"  &&  ! has( foo )  ||  b  in  c ',
    ['Label(a)', 'NotIn', 'StringLiteral(bar)', 'And', 'Not', 'Has(foo)', 'Or', 'Label(b)', 'In', 'Label(c)', 'EOF'],
  ],
  [
    'a notin"bar"&&!has(foo)||b in"c"',
    ['Label(a)', 'NotIn', 'StringLiteral(bar)', 'And', 'Not', 'Has(foo)', 'Or', 'Label(b)', 'In', 'StringLiteral(c)', 'EOF'],
  ],
  ['has(calico/k8s_NS-.1/role)', ['Has(calico/k8s_NS-.1/role)', 'EOF']],
  [
    'calico/k8s_ns == "kube-system" && k8s-app == "kube-dns"',
    ['Label(calico/k8s_ns)', 'Eq', 'StringLiteral(kube-system)', 'And', 'Label(k8s-app)', 'Eq', 'StringLiteral(kube-dns)', 'EOF'],
  ],
  ['a not in {}', ['Label(a)', 'NotIn', 'LBrace', 'RBrace', 'EOF']],
  ['a not in {"a","B"}', ['Label(a)', 'NotIn', 'LBrace', 'StringLiteral(a)', 'Comma', 'StringLiteral(B)', 'RBrace', 'EOF']],
  ['global()', ['Global', 'EOF']],
  ['all( \t)', ['All', 'EOF']],
  ['\t', ['EOF']],
  ['', ['EOF']],
  // "!=" always wins over "!" followed by "=".
  ['a!="b"', ['Label(a)', 'Ne', 'StringLiteral(b)', 'EOF']],
  ['!!a', ['Not', 'Not', 'Label(a)', 'EOF']],
  // Strings have no escapes and may hold the other quote, spaces and even line breaks.
  [`a == 'x"y'`, ['Label(a)', 'Eq', 'StringLiteral(x"y)', 'EOF']],
  ['a == "x\\"', ['Label(a)', 'Eq', 'StringLiteral(x\\)', 'EOF']],
  ['a == "x\ny"', ['Label(a)', 'Eq', 'StringLiteral(x\ny)', 'EOF']],
  // "has" without a directly following "(" is a plain label.
  ['has == "x"', ['Label(has)', 'Eq', 'StringLiteral(x)', 'EOF']],
  ['has (a)', ['Label(has)', 'LParen', 'Label(a)', 'RParen', 'EOF']],
  ['in in {"a"}', ['Label(in)', 'In', 'LBrace', 'StringLiteral(a)', 'RBrace', 'EOF']],
];

const bad: Array<[string, number, string]> = [
  ['label starts foo "value"', 6, 'only "starts with" may follow a label'],
  ['label ends foo "value"', 6, 'only "ends with" may follow a label'],
  ['label squiggles "value"', 6, 'not an operator'],
  ['a instance {"x"}', 2, '"in" must end at a word boundary'],
  ['a containsx "x"', 2, '"contains" must end at a word boundary'],
  ['a not inx {"x"}', 2, '"not in" must end at a word boundary'],
  ['a = "b"', 2, 'single "=" is not an operator'],
  ['has(a) & has(b)', 7, 'single "&"'],
  ['has(a) | has(b)', 7, 'single "|"'],
  ['"abc', 0, 'unterminated double-quoted string'],
  ["'abc\"", 0, 'unterminated single-quoted string (the other quote does not close it)'],
  ['has()', 4, 'has() needs a label'],
  ['has(a b)', 6, 'has() takes exactly one label'],
  ['has(a', 5, 'has( never closed'],
  ['all(x)', 4, 'all() takes no argument'],
  ['global( a)', 8, 'global() takes no argument'],
  ['a == "b"\n', 8, 'newline is not whitespace'],
  ['a ==\r\n"b"', 4, 'carriage return is not whitespace'],
  ['a\u00a0== "b"', 1, 'no-break space is not whitespace'],
  ['%', 0, 'not a label character'],
  ['é == "x"', 0, 'label characters are ASCII only'],
  [`${'a'.repeat(513)} == "x"`, 0, 'labels are at most 512 characters'],
  [`has(${'a'.repeat(513)})`, 4, 'labels are at most 512 characters, inside has() too'],
];

describe('tokenize()', () => {
  for (const [input, expected] of cases) {
    it(`tokenizes ${JSON.stringify(input)}`, () => {
      assert.deepEqual(show(input), expected);
    });
  }

  for (const [input, offset, why] of bad) {
    it(`rejects ${JSON.stringify(input.slice(0, 40))} (${why})`, () => {
      assert.throws(
        () => tokenize(input),
        (err: unknown) => err instanceof SelectorSyntaxError && err.offset === offset,
      );
    });
  }

  it('records token offsets', () => {
    const toks = tokenize('  a ==\t"b" && has( c )');
    assert.deepEqual(
      toks.map((t) => [t.kind, t.offset]),
      [
        ['Label', 2],
        ['Eq', 4],
        ['StringLiteral', 7],
        ['And', 11],
        ['Has', 14],
        ['EOF', 22],
      ] satisfies Array<[TokenKind, number]>,
    );
  });

  it('accepts a 512-character label', () => {
    assert.deepEqual(show(`has(${'b'.repeat(512)})`), [`Has(${'b'.repeat(512)})`, 'EOF']);
  });
});

describe('isValidSelectorLabel()', () => {
  it('accepts Calico label characters and rejects others', () => {
    assert.equal(isValidSelectorLabel('projectcalico.org/namespace'), true);
    assert.equal(isValidSelectorLabel('A-z_0.9/x'), true);
    assert.equal(isValidSelectorLabel(''), false);
    assert.equal(isValidSelectorLabel('a b'), false);
    assert.equal(isValidSelectorLabel('a:b'), false);
    assert.equal(isValidSelectorLabel('x'.repeat(513)), false);
  });
});
