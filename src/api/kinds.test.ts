import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALL_KINDS, isV3Kind, kindInfo, resolveKind } from './kinds.js';
import { IPAM_KINDS, NAMESPACED_KINDS, V3_KINDS } from './types.js';

test('resolveKind() maps calicoctl words to kinds', async (t) => {
  const rows: Array<[string, string]> = [
    ['globalnetworkpolicy', 'GlobalNetworkPolicy'],
    ['globalnetworkpolicies', 'GlobalNetworkPolicy'],
    ['gnp', 'GlobalNetworkPolicy'],
    ['networkpolicy', 'NetworkPolicy'],
    ['policy', 'NetworkPolicy'],
    ['policies', 'NetworkPolicy'],
    ['np', 'NetworkPolicy'],
    ['pol', 'NetworkPolicy'],
    ['cnp', 'NetworkPolicy'],
    ['ippool', 'IPPool'],
    ['ipp', 'IPPool'],
    ['pools', 'IPPool'],
    ['hep', 'HostEndpoint'],
    ['wep', 'WorkloadEndpoint'],
    ['bgpp', 'BGPPeer'],
    ['bp', 'BGPPeer'],
    ['bgpf', 'BGPFilter'],
    ['no', 'Node'],
    ['pro', 'Profile'],
    ['tier', 'Tier'],
    ['tiers', 'Tier'],
    ['netset', 'NetworkSet'],
    ['netsets', 'NetworkSet'],
    ['gns', 'GlobalNetworkSet'],
    ['felixconfig', 'FelixConfiguration'],
    ['bgpconfig', 'BGPConfiguration'],
    ['ipamconfig', 'IPAMConfiguration'],
    ['kcc', 'KubeControllersConfiguration'],
    ['kubecontrollersconfig', 'KubeControllersConfiguration'],
    ['clusterinfo', 'ClusterInformation'],
    ['snp', 'StagedNetworkPolicy'],
    ['sgnp', 'StagedGlobalNetworkPolicy'],
    ['sknp', 'StagedKubernetesNetworkPolicy'],
    ['reservation', 'IPReservation'],
    // Case-insensitive, and the kind itself is always accepted.
    ['GlobalNetworkPolicy', 'GlobalNetworkPolicy'],
    ['IPPOOLS', 'IPPool'],
  ];
  for (const [word, kind] of rows) {
    await t.test(word, () => assert.equal(resolveKind(word)?.kind, kind));
  }
});

test('resolveKind() returns undefined for unknown words', () => {
  for (const word of ['', 'pod', 'service', 'networkpolicyx', 'ippoolz']) assert.equal(resolveKind(word), undefined, word);
});

test('kindInfo() covers every v3 and IPAM kind with the right scope', () => {
  assert.equal(ALL_KINDS.length, V3_KINDS.length + IPAM_KINDS.length);
  for (const kind of [...V3_KINDS, ...IPAM_KINDS]) {
    const info = kindInfo(kind);
    assert.ok(info, kind);
    assert.equal(info.namespaced, NAMESPACED_KINDS.has(kind), kind);
    assert.equal(info.apiVersion, 'projectcalico.org/v3');
    assert.ok(info.names.length > 0);
    assert.equal(resolveKind(info.plural)?.kind, kind);
  }
  assert.equal(kindInfo('IPPool')?.plural, 'ippools');
  assert.equal(kindInfo('GlobalNetworkPolicy')?.plural, 'globalnetworkpolicies');
  assert.equal(kindInfo('NoSuchKind'), undefined);
});

test('isV3Kind() excludes the internal IPAM kinds', () => {
  assert.equal(isV3Kind('IPPool'), true);
  assert.equal(isV3Kind('IPAMBlock'), false);
  assert.equal(isV3Kind('ippool'), false);
});
