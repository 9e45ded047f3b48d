import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalisePolicy, normaliseTier, type PolicyModel, type TierModel } from '../policy/index.js';
import { resolveTiers } from './policy-resolver.js';

function pol(name: string, spec: Record<string, unknown>, kind = 'GlobalNetworkPolicy', namespace?: string): PolicyModel {
  return normalisePolicy({ apiVersion: 'projectcalico.org/v3', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, spec });
}

function tiers(...list: Array<[string, number | undefined, ('Deny' | 'Pass')?]>): Map<string, TierModel> {
  return new Map(
    list.map(([name, order, defaultAction]) => [
      name,
      normaliseTier({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name }, spec: { ...(order === undefined ? {} : { order }), ...(defaultAction ? { defaultAction } : {}) } }),
    ]),
  );
}

const summary = (t: ReturnType<typeof resolveTiers>['normal']) => t.map((x) => `${x.name}/${x.defaultAction}: ${x.ingressPolicies.join(',')} | ${x.egressPolicies.join(',')}`);

describe('resolveTiers()', () => {
  it('orders tiers by order then name, missing tiers last, and policies by order then name', () => {
    const got = resolveTiers(
      [
        pol('z', { order: 1, selector: 'all()' }),
        pol('a', { order: 1, selector: 'all()' }),
        pol('unordered', { selector: 'all()' }),
        pol('first', { order: 0.5, selector: 'all()', egress: [{ action: 'Allow' }] }),
        pol('t2-pol', { tier: 'b-tier', selector: 'all()' }),
        pol('t1-pol', { tier: 'a-tier', selector: 'all()' }),
        pol('ghost', { tier: 'ghost', selector: 'all()' }),
        pol('web', { order: 1, selector: 'all()' }, 'NetworkPolicy', 'ns1'),
      ],
      tiers(['a-tier', 100, 'Pass'], ['b-tier', 100]),
    );
    assert.deepEqual(summary(got.normal), [
      'a-tier/Pass: gnp/t1-pol | ',
      'b-tier/Deny: gnp/t2-pol | ',
      'default/Deny: gnp/a,np/ns1/web,gnp/z,gnp/unordered | gnp/first',
      'ghost/Deny: gnp/ghost | ',
    ]);
  });

  it('splits host endpoint policies into untracked, preDNAT and forward tiers', () => {
    const got = resolveTiers(
      [
        pol('dnt', { selector: 'all()', doNotTrack: true, applyOnForward: true, types: ['Ingress', 'Egress'] }),
        pol('pre', { selector: 'all()', preDNAT: true, applyOnForward: true }),
        pol('fwd', { selector: 'all()', applyOnForward: true, types: ['Egress'] }),
      ],
      new Map(),
    );
    assert.deepEqual(summary(got.untracked), ['default/Pass: gnp/dnt | gnp/dnt']);
    assert.deepEqual(summary(got.preDNAT), ['default/Pass: gnp/pre | ']);
    assert.deepEqual(summary(got.forward), ['default/Deny:  | gnp/fwd']);
    assert.deepEqual(summary(got.normal), ['default/Deny:  | gnp/fwd']);
  });

  it('returns no tiers without policies', () => {
    assert.deepEqual(resolveTiers([], new Map()), { normal: [], untracked: [], preDNAT: [], forward: [] });
  });
});
