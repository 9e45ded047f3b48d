import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonPatch, JsonPatchError, mergePatch } from './json-patch.js';

test('mergePatch() merges objects, replaces lists and deletes on null (RFC 7386)', () => {
  const target = { spec: { cidr: '10.0.0.0/24', natOutgoing: false, allowedUses: ['Workload', 'Tunnel'] }, keep: 1 };
  const out = mergePatch(target, { spec: { natOutgoing: true, allowedUses: ['Workload'], cidr: null } });
  assert.deepEqual(out, { spec: { natOutgoing: true, allowedUses: ['Workload'] }, keep: 1 });
  assert.deepEqual(target.spec.allowedUses, ['Workload', 'Tunnel'], 'input untouched');
});

test('jsonPatch() applies RFC 6902 operations in order', () => {
  const doc = { spec: { nets: ['10.0.0.0/8'], disabled: false } };
  const out = jsonPatch(doc, [
    { op: 'add', path: '/spec/nets/-', value: '192.168.0.0/16' },
    { op: 'replace', path: '/spec/disabled', value: true },
    { op: 'test', path: '/spec/nets/0', value: '10.0.0.0/8' },
    { op: 'copy', from: '/spec/nets/0', path: '/spec/first' },
    { op: 'remove', path: '/spec/nets/0' },
  ]);
  assert.deepEqual(out, { spec: { nets: ['192.168.0.0/16'], disabled: true, first: '10.0.0.0/8' } });
});

test('jsonPatch() rejects failed tests, missing paths and non-lists', () => {
  assert.throws(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]), JsonPatchError);
  assert.throws(() => jsonPatch({ a: 1 }, [{ op: 'replace', path: '/b', value: 2 }]), JsonPatchError);
  assert.throws(() => jsonPatch({ a: 1 }, [{ op: 'remove', path: '/a/b/c' }]), JsonPatchError);
  assert.throws(() => jsonPatch({ a: 1 }, { op: 'add' }), JsonPatchError);
});
