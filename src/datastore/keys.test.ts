import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IPAM_KINDS, V3_KINDS } from '../api/types.js';
import { etcdKey, KIND_PLURALS, kindOfPlural, parseEtcdKey, pluralOf } from './keys.js';

test('KIND_PLURALS covers every v3 and IPAM kind with a lowercase plural', () => {
  for (const kind of [...V3_KINDS, ...IPAM_KINDS]) {
    const plural = pluralOf(kind);
    assert.ok(plural, kind);
    assert.equal(plural, plural.toLowerCase());
    assert.equal(kindOfPlural(plural), kind);
  }
  assert.equal(Object.keys(KIND_PLURALS).length, V3_KINDS.length + IPAM_KINDS.length);
  assert.equal(pluralOf('NetworkPolicy'), 'networkpolicies');
  assert.equal(pluralOf('BlockAffinity'), 'blockaffinities');
});

test('etcdKey() and parseEtcdKey() round-trip namespaced and cluster-scoped keys', () => {
  const rows = [
    [{ kind: 'NetworkPolicy', namespace: 'ns1', name: 'default.allow' }, '/calico/resources/v3/projectcalico.org/networkpolicies/ns1/default.allow'],
    [{ kind: 'IPPool', name: 'default-ipv4-ippool' }, '/calico/resources/v3/projectcalico.org/ippools/default-ipv4-ippool'],
  ] as const;
  for (const [key, path] of rows) {
    assert.equal(etcdKey(key), path);
    assert.deepEqual(parseEtcdKey(path), key);
  }
  // Not resource keys: other prefixes, unknown plurals, wrong depth for the scope.
  for (const path of ['/calico/ipam/v2/x', '/calico/resources/v3/projectcalico.org/widgets/a', '/calico/resources/v3/projectcalico.org/ippools/a/b', '/calico/resources/v3/projectcalico.org/networkpolicies/a']) {
    assert.equal(parseEtcdKey(path), undefined, path);
  }
});
