import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../api/types.js';
import { normalisePolicy, type PolicyModel } from './model.js';
import { implicitTier, normaliseTier, sortPolicies, sortTiers, type TierModel } from './ordering.js';

function tier(name: string, spec: Record<string, unknown> = {}): TierModel {
  return normaliseTier({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name }, spec });
}
function pol(kind: string, name: string, order?: number, namespace?: string): PolicyModel {
  const r: Resource = { apiVersion: 'projectcalico.org/v3', kind, metadata: namespace ? { name, namespace } : { name }, spec: order === undefined ? {} : { order } };
  return normalisePolicy(r);
}

test('normaliseTier() defaults defaultAction to Deny and keeps an unset order unset', () => {
  assert.deepEqual(tier('t'), { name: 't', defaultAction: 'Deny', exists: true });
  assert.deepEqual(tier('t', { order: 5, defaultAction: 'Pass' }), { name: 't', order: 5, defaultAction: 'Pass', exists: true });
  assert.throws(() => tier('t', { defaultAction: 'Allow' }), /spec\.defaultAction/);
});

test('sortTiers(): by order, unset order last, ties by name, missing tiers after every real one', () => {
  const sorted = sortTiers([
    implicitTier('ghost'),
    tier('zeta', { order: 100 }),
    tier('unordered'),
    tier('alpha', { order: 100 }),
    implicitTier('default'),
    tier('first', { order: 1 }),
    tier('aaa-unordered'),
  ]);
  assert.deepEqual(
    sorted.map((t) => t.name),
    ['first', 'alpha', 'zeta', 'default', 'aaa-unordered', 'unordered', 'ghost'],
  );
});

test('implicitTier(): default is the built-in tier at 1,000,000; others are missing', () => {
  assert.deepEqual(implicitTier('default'), { name: 'default', order: 1_000_000, defaultAction: 'Deny', exists: true });
  assert.equal(implicitTier('nope').exists, false);
});

test('sortPolicies(): by order (unset last), ties by name/namespace/kind string', () => {
  const sorted = sortPolicies([
    pol('GlobalNetworkPolicy', 'b'),
    pol('NetworkPolicy', 'b', 10, 'ns2'),
    pol('NetworkPolicy', 'b', 10, 'ns1'),
    pol('GlobalNetworkPolicy', 'a', 10),
    pol('NetworkPolicy', 'a-b', 10, 'ns'),
    pol('GlobalNetworkPolicy', 'z', 1),
    pol('GlobalNetworkPolicy', 'a'),
  ]);
  // "a-b/ns/…" sorts before "a//…" because '-' < '/' in the tie-break string
  assert.deepEqual(
    sorted.map((p) => p.key),
    ['gnp/z', 'np/ns/a-b', 'gnp/a', 'np/ns1/b', 'np/ns2/b', 'gnp/a', 'gnp/b'],
  );
  assert.equal(sorted[2]!.order, 10);
  assert.equal(sorted[5]!.order, undefined);
});
