import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDefaults, defaultPolicyTypes } from './defaults.js';
import type { Resource } from './types.js';

function r(kind: string, spec: unknown, name = 'x', namespace?: string): Resource {
  return { apiVersion: 'projectcalico.org/v3', kind, metadata: namespace === undefined ? { name } : { name, namespace }, spec };
}

test('applyDefaults() fills IPPool defaults as Calico stores them', () => {
  assert.deepEqual(applyDefaults(r('IPPool', { cidr: '10.0.0.0/16', natOutgoing: false, disabled: false })).spec, {
    cidr: '10.0.0.0/16',
    blockSize: 26,
    ipipMode: 'Never',
    vxlanMode: 'Never',
    nodeSelector: 'all()',
    allowedUses: ['Workload', 'Tunnel'],
    assignmentMode: 'Automatic',
  });
  const v6 = applyDefaults(r('IPPool', { cidr: 'fd00::/48', ipipMode: 'Never', blockSize: 120, natOutgoing: true }));
  assert.equal((v6.spec as { blockSize: number }).blockSize, 120);
  assert.equal((v6.spec as { natOutgoing: boolean }).natOutgoing, true);
  assert.equal((applyDefaults(r('IPPool', { cidr: 'fd00::/48' })).spec as { blockSize: number }).blockSize, 122);
});

test('applyDefaults() does not modify its input', () => {
  const input = r('IPPool', { cidr: '10.0.0.0/16' });
  const copy = structuredClone(input);
  applyDefaults(input);
  assert.deepEqual(input, copy);
});

test('defaultPolicyTypes() follows Calico', async (t) => {
  const rows: Array<[string, object, string[]]> = [
    ['no rules', {}, ['Ingress']],
    ['ingress only', { ingress: [{}] }, ['Ingress']],
    ['egress only', { egress: [{}] }, ['Egress']],
    ['both', { ingress: [{}], egress: [{}] }, ['Ingress', 'Egress']],
    ['explicit kept', { types: ['Egress'], ingress: [{}] }, ['Egress']],
  ];
  for (const [name, spec, want] of rows) await t.test(name, () => assert.deepEqual(defaultPolicyTypes(spec), want));
});

test('applyDefaults() defaults policies: tier, types, tier label, empty entity rules', () => {
  const out = applyDefaults(r('NetworkPolicy', { selector: 'a == "b"', egress: [{ action: 'Allow', destination: { ports: ['53'] }, protocol: 'UDP' }] }));
  assert.equal(out.metadata.namespace, 'default');
  assert.deepEqual(out.metadata.labels, { 'projectcalico.org/tier': 'default' });
  assert.deepEqual(out.spec, {
    selector: 'a == "b"',
    tier: 'default',
    types: ['Egress'],
    egress: [{ action: 'Allow', protocol: 'UDP', source: {}, destination: { ports: [53] } }],
  });
  const gnp = applyDefaults(r('GlobalNetworkPolicy', { tier: 'security', doNotTrack: false, preDNAT: false, applyOnForward: false }, 'security.p', 'ignored'));
  assert.equal(gnp.metadata.namespace, undefined, 'cluster-scoped kinds drop a namespace');
  assert.deepEqual(gnp.metadata.labels, { 'projectcalico.org/tier': 'security' });
  assert.deepEqual(gnp.spec, { tier: 'security', types: ['Ingress'] });
});

test('applyDefaults() uses the given namespace for namespaced kinds without one', () => {
  assert.equal(applyDefaults(r('NetworkSet', {}), { namespace: 'prod' }).metadata.namespace, 'prod');
  assert.equal(applyDefaults(r('NetworkSet', {}, 'x', 'dev'), { namespace: 'prod' }).metadata.namespace, 'dev');
});

test('applyDefaults() staged policies get stagedAction Set; a staged delete gets no types', () => {
  const set = applyDefaults(r('StagedGlobalNetworkPolicy', { selector: 'all()' }));
  assert.deepEqual(set.spec, { selector: 'all()', tier: 'default', stagedAction: 'Set', types: ['Ingress'] });
  assert.equal(set.metadata.labels, undefined, 'staged policies carry no tier label');
  const del = applyDefaults(r('StagedNetworkPolicy', { stagedAction: 'Delete' }, 'x', 'ns'));
  assert.deepEqual(del.spec, { stagedAction: 'Delete', tier: 'default' });
  const sknp = applyDefaults(r('StagedKubernetesNetworkPolicy', {}, 'x', 'ns'));
  assert.deepEqual(sknp.spec, { podSelector: {}, stagedAction: 'Set' });
});

test('applyDefaults() tiers: order 1000000 and Deny unless built-in Pass tiers', () => {
  assert.deepEqual(applyDefaults(r('Tier', {}, 'mine')).spec, { order: 1_000_000, defaultAction: 'Deny' });
  assert.deepEqual(applyDefaults(r('Tier', { order: 5 }, 'mine')).spec, { order: 5, defaultAction: 'Deny' });
  assert.equal((applyDefaults(r('Tier', { order: 1000 }, 'kube-admin')).spec as { defaultAction: string }).defaultAction, 'Pass');
});

test('applyDefaults() IPAMConfiguration and empty specs', () => {
  assert.deepEqual(applyDefaults(r('IPAMConfiguration', { maxBlocksPerHost: 0 }, 'default')).spec, { strictAffinity: false, autoAllocateBlocks: true });
  assert.deepEqual(applyDefaults({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name: 'g' } }).spec, {});
  // Kinds whose defaults Calico applies at use stay as written.
  assert.deepEqual(applyDefaults(r('BGPConfiguration', { nodeToNodeMeshEnabled: false }, 'default')).spec, { nodeToNodeMeshEnabled: false });
  assert.deepEqual(applyDefaults(r('FelixConfiguration', { bpfEnabled: false }, 'default')).spec, { bpfEnabled: false });
});

test('applyDefaults() profile rules print empty source/destination', () => {
  assert.deepEqual(applyDefaults(r('Profile', { ingress: [{ action: 'Allow' }] })).spec, { ingress: [{ action: 'Allow', source: {}, destination: {} }] });
});

test('applyDefaults() stores a WorkloadEndpoint with its namespace and orchestrator labels, as Calico\'s client does', () => {
  const wep: Resource = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'WorkloadEndpoint',
    metadata: { name: 'n1-k8s-web-eth0', namespace: 'shop', labels: { app: 'web', 'projectcalico.org/namespace': 'spoofed' } },
    spec: { node: 'n1', orchestrator: 'k8s', pod: 'web', endpoint: 'eth0' },
  };
  assert.deepEqual(applyDefaults(wep).metadata.labels, {
    app: 'web',
    'projectcalico.org/namespace': 'shop',
    'projectcalico.org/orchestrator': 'k8s',
  });
  // Without labels or a namespace in the manifest: the -n namespace (default "default") is used.
  const bare = applyDefaults(r('WorkloadEndpoint', { node: 'n1', orchestrator: 'cni', workload: 'w', endpoint: 'eth0' }));
  assert.deepEqual(bare.metadata.labels, { 'projectcalico.org/namespace': 'default', 'projectcalico.org/orchestrator': 'cni' });
});
