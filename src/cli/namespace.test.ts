import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../api/types.js';
import { applyNamespace } from './namespace.js';

function res(kind: string, namespace?: string): Resource {
  return { apiVersion: 'projectcalico.org/v3', kind, metadata: namespace === undefined ? { name: 'x' } : { name: 'x', namespace } };
}

test('applyNamespace() defaults namespaced kinds to "default" and honours -n / -A', () => {
  const a = res('NetworkPolicy');
  applyNamespace(a, true, { namespace: '', allNamespaces: false });
  assert.equal(a.metadata.namespace, 'default');
  const b = res('NetworkPolicy');
  applyNamespace(b, true, { namespace: 'prod', allNamespaces: false });
  assert.equal(b.metadata.namespace, 'prod');
  const c = res('NetworkPolicy', 'prod');
  applyNamespace(c, true, { namespace: '', allNamespaces: true });
  assert.equal(c.metadata.namespace, '');
});

test('applyNamespace() refuses mismatches and namespaces on cluster-scoped kinds, with calicoctl messages', () => {
  assert.throws(() => applyNamespace(res('NetworkPolicy', 'a'), true, { namespace: 'b', allNamespaces: false }), {
    message: 'resource namespace does not match client namespace. a != b',
  });
  assert.throws(() => applyNamespace(res('NetworkPolicy'), true, { namespace: 'b', allNamespaces: true }), {
    message: 'cannot use both --namespace and --all-namespaces flags at the same time',
  });
  assert.throws(() => applyNamespace(res('IPPool', 'a'), false, { namespace: '', allNamespaces: false }), {
    message: 'namespace should not be specified for a non-namespaced resource. IPPool is not a namespaced resource',
  });
  assert.throws(() => applyNamespace(res('IPPool'), false, { namespace: 'a', allNamespaces: false }), { message: 'IPPool is not namespaced' });
});
