import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  andSelectors,
  canonicalSelector,
  convertNamespaceSelector,
  convertServiceAccountSelector,
  namespaceClause,
  serviceAccountNamesSelector,
} from './selector-rewrite.js';

test('convertNamespaceSelector() prefixes every label with pcns.', () => {
  assert.equal(convertNamespaceSelector("team == 'a'"), 'pcns.team == "a"');
  assert.equal(
    convertNamespaceSelector("has(env) && tier in {'b','a'} || !(x not in {'q'}) && y starts with 'p'"),
    '((has(pcns.env) && pcns.tier in {"a", "b"}) || (!pcns.x not in {"q"} && pcns.y starts with "p"))',
  );
});

test('convertNamespaceSelector(): all() means any namespaced endpoint, global() anything outside namespaces', () => {
  assert.equal(convertNamespaceSelector('all()'), 'has(projectcalico.org/namespace)');
  assert.equal(convertNamespaceSelector('global()'), '!has(projectcalico.org/namespace)');
  // inside a larger expression too, as Calico's textual replacement does
  assert.equal(convertNamespaceSelector("all() && team == 'a'"), '(has(projectcalico.org/namespace) && pcns.team == "a")');
});

test('convertServiceAccountSelector() prefixes with pcsa.', () => {
  assert.equal(convertServiceAccountSelector("role != 'x'"), 'pcsa.role != "x"');
});

test('serviceAccountNamesSelector() / namespaceClause() / quoting', () => {
  assert.equal(canonicalSelector(serviceAccountNamesSelector(['b', 'a'])), 'projectcalico.org/serviceaccount in {"a", "b"}');
  assert.equal(namespaceClause('prod'), 'projectcalico.org/namespace == "prod"');
});

test('andSelectors() skips empty parts and canonicalises', () => {
  assert.equal(andSelectors([]), '');
  assert.equal(andSelectors(['', undefined, "a=='b'"]), 'a == "b"');
  assert.equal(andSelectors(["a=='b'", 'has(c)']), '(a == "b" && has(c))');
});

test('invalid selectors throw the selector module error', () => {
  assert.throws(() => convertNamespaceSelector('team =='), SyntaxError);
  assert.throws(() => canonicalSelector('a in {'), SyntaxError);
});
