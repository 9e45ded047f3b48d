/**
 * Edge cases the validators must *accept* (the invalid side is covered by test/fixtures/api/invalid), plus a
 * few behaviours of assertValid itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../lib/errors.js';
import { applyDefaults } from '../defaults.js';
import type { Resource } from '../types.js';
import { assertValid, canonicalizeResource, validateResource } from './index.js';

function gnp(spec: unknown, name = 'p'): Resource {
  return applyDefaults({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name }, spec });
}

function fields(r: Resource): string[] {
  return validateResource(r).map((e) => `${e.field}: ${e.message}`);
}

test('validateResource() accepts valid edge cases', async (t) => {
  const rows: Array<[string, Resource]> = [
    ['named ports without a protocol', gnp({ selector: 'all()', ingress: [{ action: 'Allow', destination: { ports: ['http', 'metrics'] } }] })],
    ['port range and string port with protocol', gnp({ selector: 'all()', ingress: [{ action: 'Allow', protocol: 'SCTP', destination: { notPorts: ['1:1024', '8080'] } }] })],
    ['protocol by number', gnp({ selector: 'all()', ingress: [{ action: 'Allow', protocol: 6, destination: { ports: [22] } }] })],
    ['protocol number as string', gnp({ selector: 'all()', ingress: [{ action: 'Allow', protocol: '17', destination: { ports: [53] } }] })],
    ['lower-case protocol name', gnp({ selector: 'all()', ingress: [{ action: 'Allow', protocol: 'tcp', destination: { ports: [22] } }] })],
    ['ICMP type 0 code 0', gnp({ selector: 'all()', ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { type: 0, code: 0 } }] })],
    ['notICMP with ICMPv6', gnp({ selector: 'all()', ingress: [{ action: 'Allow', protocol: 'ICMPv6', notICMP: { type: 128 } }] })],
    ['global() alone in a namespaceSelector', gnp({ selector: 'all()', ingress: [{ action: 'Allow', source: { namespaceSelector: 'global()' } }] })],
    ['global() inside a quoted value', gnp({ selector: "note == 'global()'" })],
    ['bare IPs in nets, ipVersion matching', gnp({ selector: 'all()', egress: [{ action: 'Allow', ipVersion: 6, destination: { nets: ['fd00::1', 'fd00::/64'] } }] })],
    ['notNets that is not everything', gnp({ selector: 'all()', egress: [{ action: 'Allow', destination: { notNets: ['10.0.0.0/8'] } }] })],
    ['Log and Pass actions', gnp({ selector: 'all()', ingress: [{ action: 'Log' }, { action: 'Pass' }] })],
    ['HTTP with TCP', gnp({ selector: 'all()', ingress: [{ action: 'Allow', protocol: 'TCP', http: { methods: ['GET', 'PUT'], paths: [{ prefix: '/' }] } }] })],
    ['destination services on egress', gnp({ selector: 'all()', egress: [{ action: 'Allow', destination: { services: { name: 'kubernetes', namespace: 'default' } } }] })],
    ['service accounts', gnp({ selector: 'all()', ingress: [{ action: 'Allow', source: { serviceAccounts: { names: ['api'], selector: 'team == "a"' } } }] })],
    ['doNotTrack with applyOnForward', gnp({ selector: 'all()', doNotTrack: true, applyOnForward: true, ingress: [{ action: 'Allow' }] })],
    ['preDNAT ingress only', gnp({ selector: 'all()', preDNAT: true, applyOnForward: true, ingress: [{ action: 'Deny' }] })],
    ['tier-prefixed name', gnp({ tier: 'security', selector: 'all()' }, 'security.block')],
    ['unprefixed name in a non-default tier (3.32+)', gnp({ tier: 'security', selector: 'all()' }, 'block')],
    [
      'knp.default. name for a namespaced policy',
      applyDefaults({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'knp.default.my.k8s.policy', namespace: 'x' }, spec: {} }),
    ],
    [
      'asdot and string AS numbers',
      { apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'p' }, spec: { peerIP: '[fd00::1]:1179', asNumber: '1.10', localASNumber: '64512' } },
    ],
    ['BGPPeer ip:port', { apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'p' }, spec: { peerIP: '10.0.0.1:1179', asNumber: 4200000000 } }],
    [
      'FelixConfiguration selected by nodeSelector (3.32+)',
      { apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name: 'gpu-nodes' }, spec: { nodeSelector: 'gpu == "true"', bpfEnabled: true } },
    ],
    ['HostEndpoint on all interfaces', { apiVersion: 'projectcalico.org/v3', kind: 'HostEndpoint', metadata: { name: 'n1-auto-hep' }, spec: { node: 'n1', interfaceName: '*' } }],
    ['disabled pool smaller than a block', applyDefaults({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.0.0.0/28', disabled: true } })],
    [
      'pool with namespaceSelector used for workloads only',
      applyDefaults({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.0.0.0/16', namespaceSelector: 'team == "a"', allowedUses: ['Workload'] } }),
    ],
  ];
  for (const [name, r] of rows) await t.test(name, () => assert.deepEqual(fields(r), []));
});

test('validateResource() reports every problem, not just the first', () => {
  const errs = fields(gnp({ selector: 'all(', ingress: [{ action: 'Nope', protocol: 'XTP' }] }));
  assert.equal(errs.length, 3, errs.join('\n'));
});

test('assertValid() throws a ValidationError naming kind, namespace, name and field', () => {
  const r = applyDefaults({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'np1', namespace: 'prod' }, spec: { selector: 'a ==' } });
  assert.throws(
    () => assertValid(r),
    (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.deepEqual(e.resource, { kind: 'NetworkPolicy', name: 'np1', namespace: 'prod' });
      assert.match(e.message, /^error with field NetworkPolicy\(prod\/np1\): spec\.selector: invalid selector/);
      return true;
    },
  );
  assert.doesNotThrow(() => assertValid(gnp({ selector: 'all()' })));
});

test('validateResource() tolerates garbage without throwing', () => {
  for (const junk of [null, 3, 'x', [], {}, { kind: 'IPPool' }, { kind: 'IPPool', apiVersion: 'projectcalico.org/v3', metadata: 'x' }]) {
    assert.ok(validateResource(junk as unknown as Resource).length > 0);
  }
});

test('canonicalizeResource() renames case-insensitive matches to the declared field names', () => {
  const r = canonicalizeResource({
    apiVersion: 'projectcalico.org/v3',
    kind: 'GlobalNetworkPolicy',
    metadata: { Name: 'p', LABELS: { Keep: 'AsIs' } } as unknown as Resource['metadata'],
    spec: { Selector: 'all()', Ingress: [{ Action: 'Allow', Source: { Nets: ['10.0.0.0/8'] } }], unknownField: 1 },
  });
  assert.deepEqual(r.metadata, { name: 'p', labels: { Keep: 'AsIs' } });
  assert.deepEqual(r.spec, { selector: 'all()', ingress: [{ action: 'Allow', source: { nets: ['10.0.0.0/8'] } }], unknownField: 1 });
  // The exact spelling wins when both are present.
  const both = canonicalizeResource({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 't' }, spec: { order: 1, Order: 2 } });
  assert.deepEqual(both.spec, { order: 1 });
  // Kubernetes kinds are decoded case-sensitively and left alone.
  const k8s = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'k' }, spec: { PodSelector: {} } };
  assert.equal(canonicalizeResource(k8s), k8s);
});

test('an unknown IPPool encapsulation mode is reported once, not also as "enabled"', () => {
  const pool = applyDefaults({
    apiVersion: 'projectcalico.org/v3',
    kind: 'IPPool',
    metadata: { name: 'p' },
    spec: { cidr: '10.0.0.0/16', ipipMode: 'Always', vxlanMode: 'Sometimes' },
  });
  assert.deepEqual(fields(pool), ['spec.vxlanMode: must be one of "Never", "Always", "CrossSubnet"']);
  const v6 = applyDefaults({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: 'fd00::/48', ipipMode: 'Bogus' } });
  assert.deepEqual(fields(v6), ['spec.ipipMode: must be one of "Never", "Always", "CrossSubnet"']);
});
