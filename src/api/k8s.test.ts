import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../lib/errors.js';
import { convertToCalico, k8sSelectorToCalico, simplifyPorts } from './k8s.js';
import type { Resource, Rule } from './types.js';

const ORCH = "projectcalico.org/orchestrator == 'k8s'";

function knp(spec: unknown, name = 'test.policy', namespace = 'default'): Resource {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

function rules(r: Resource, dir: 'ingress' | 'egress'): Rule[] | undefined {
  return (r.spec as Record<string, Rule[] | undefined>)[dir];
}

test('convertToCalico() names, orders and selects like Calico', () => {
  const out = convertToCalico(
    knp({
      podSelector: { matchLabels: { label2: 'value2', label: 'value' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { k: 'v' } } }], ports: [{ port: 80 }] }],
    }),
  );
  assert.equal(out.apiVersion, 'projectcalico.org/v3');
  assert.equal(out.kind, 'NetworkPolicy');
  assert.deepEqual(out.metadata, { name: 'knp.default.test.policy', namespace: 'default' });
  assert.deepEqual(out.spec, {
    tier: 'default',
    order: 1000,
    selector: `${ORCH} && label == 'value' && label2 == 'value2'`,
    types: ['Ingress'],
    ingress: [
      { action: 'Allow', protocol: 'TCP', source: { selector: `${ORCH} && k == 'v'` }, destination: { ports: [80] } },
    ],
  });
});

test('convertToCalico() turns an empty rule into allow-all', () => {
  const out = convertToCalico(knp({ podSelector: {}, ingress: [{}] }));
  assert.deepEqual(rules(out, 'ingress'), [{ action: 'Allow' }]);
  assert.equal((out.spec as { selector: string }).selector, ORCH);
});

test('convertToCalico() groups ports by protocol, TCP by default, protocols sorted', () => {
  const out = convertToCalico(
    knp({ podSelector: {}, ingress: [{ ports: [{ port: 80 }, { protocol: 'UDP', port: 53 }, { port: 443 }, { protocol: 'SCTP' }] }] }),
  );
  assert.deepEqual(rules(out, 'ingress'), [
    { action: 'Allow', protocol: 'SCTP' },
    { action: 'Allow', protocol: 'TCP', destination: { ports: [80, 443] } },
    { action: 'Allow', protocol: 'UDP', destination: { ports: [53] } },
  ]);
});

test('convertToCalico() keeps "all ports" when a protocol is also given without a port', () => {
  const out = convertToCalico(knp({ podSelector: {}, ingress: [{ ports: [{ protocol: 'TCP' }, { port: 80 }, { port: 'http' }] }] }));
  assert.deepEqual(rules(out, 'ingress'), [{ action: 'Allow', protocol: 'TCP' }]);
});

test('convertToCalico() merges numeric ports into ranges and passes named ports first', () => {
  const out = convertToCalico(
    knp({ podSelector: {}, ingress: [{ ports: [{ port: 82 }, { port: 9090 }, { port: 'foo' }, { port: 80 }, { port: 81 }, { port: 32000, endPort: 32768 }] }] }),
  );
  assert.deepEqual(rules(out, 'ingress'), [
    { action: 'Allow', protocol: 'TCP', destination: { ports: ['foo', '80:82', 9090, '32000:32768'] } },
  ]);
});

test('convertToCalico() makes one rule per peer, inside each protocol', () => {
  const out = convertToCalico(
    knp({
      podSelector: {},
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { a: '1' } } }, { ipBlock: { cidr: '10.0.0.0/8' } }],
          ports: [{ protocol: 'UDP', port: 53 }, { port: 53 }],
        },
      ],
    }),
  );
  const summary = rules(out, 'ingress')?.map((r) => [r.protocol, r.source?.selector ?? r.source?.nets?.[0]]);
  assert.deepEqual(summary, [
    ['TCP', `${ORCH} && a == '1'`],
    ['TCP', '10.0.0.0/8'],
    ['UDP', `${ORCH} && a == '1'`],
    ['UDP', '10.0.0.0/8'],
  ]);
});

test('convertToCalico() maps ipBlock to nets and except to notNets, masking CIDRs', () => {
  const out = convertToCalico(
    knp({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '172.17.0.5/16', except: ['172.17.1.9/24', '172.17.2.0/24'] } }] }],
    }),
  );
  assert.deepEqual(rules(out, 'egress'), [
    { action: 'Allow', destination: { nets: ['172.17.0.0/16'], notNets: ['172.17.1.0/24', '172.17.2.0/24'] } },
  ]);
  assert.deepEqual((out.spec as { types: string[] }).types, ['Egress']);
});

test('convertToCalico() handles namespace selectors', () => {
  const out = convertToCalico(
    knp({
      podSelector: {},
      ingress: [
        {
          from: [
            { namespaceSelector: {} },
            { namespaceSelector: { matchLabels: { team: 'dev' } }, podSelector: { matchLabels: { app: 'x' } } },
            { namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod', 'qa'] }] } },
          ],
        },
      ],
    }),
  );
  assert.deepEqual(rules(out, 'ingress')?.map((r) => r.source), [
    { selector: ORCH, namespaceSelector: 'all()' },
    { selector: `${ORCH} && app == 'x'`, namespaceSelector: "team == 'dev'" },
    { selector: ORCH, namespaceSelector: "env not in { 'prod', 'qa' }" },
  ]);
});

test('convertToCalico() types: none given means Ingress, even with egress rules', () => {
  const out = convertToCalico(knp({ podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] }));
  assert.deepEqual((out.spec as { types: string[] }).types, ['Ingress']);
  assert.equal(rules(out, 'egress')?.length, 1);
  const both = convertToCalico(knp({ podSelector: {}, policyTypes: ['Egress', 'Ingress'] }));
  assert.deepEqual((both.spec as { types: string[] }).types, ['Ingress', 'Egress']);
});

test('convertToCalico() defaults the namespace to "default"', () => {
  const r = knp({ podSelector: {} });
  delete r.metadata.namespace;
  assert.equal(convertToCalico(r).metadata.namespace, 'default');
});

test('convertToCalico() rejects an invalid Kubernetes policy instead of dropping rules', () => {
  assert.throws(() => convertToCalico(knp({ podSelector: {}, ingress: [{ ports: [{ port: 0 }] }] })), ValidationError);
});

test('convertToCalico() turns a Namespace into its kns. profile', () => {
  const out = convertToCalico({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev', labels: { team: 'a' } } });
  assert.deepEqual(out, {
    apiVersion: 'projectcalico.org/v3',
    kind: 'Profile',
    metadata: { name: 'kns.dev' },
    spec: {
      ingress: [{ action: 'Allow' }],
      egress: [{ action: 'Allow' }],
      labelsToApply: {
        'pcns.team': 'a',
        'pcns.kubernetes.io/metadata.name': 'dev',
        'pcns.projectcalico.org/name': 'dev',
      },
    },
  });
});

test('convertToCalico() returns v3 resources unchanged', () => {
  const r: Resource = { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'x', namespace: 'y' }, spec: {} };
  assert.equal(convertToCalico(r), r);
});

test('k8sSelectorToCalico() renders every operator', () => {
  assert.equal(
    k8sSelectorToCalico(
      {
        matchLabels: { b: '2', a: '1' },
        matchExpressions: [
          { key: 'c', operator: 'In', values: ['x', 'y'] },
          { key: 'd', operator: 'NotIn', values: ['z'] },
          { key: 'e', operator: 'Exists' },
          { key: 'f', operator: 'DoesNotExist' },
        ],
      },
      'pod',
    ),
    `${ORCH} && a == '1' && b == '2' && c in { 'x', 'y' } && d not in { 'z' } && has(e) && ! has(f)`,
  );
  assert.equal(k8sSelectorToCalico(undefined, 'namespace'), '');
  assert.equal(k8sSelectorToCalico({}, 'namespace'), 'all()');
  assert.equal(k8sSelectorToCalico({}, 'pod'), ORCH);
});

test('simplifyPorts() merges like Calico SimplifyPorts', () => {
  assert.deepEqual(simplifyPorts([80, 81, 82, 9090, 'foo']), ['foo', '80:82', 9090]);
  assert.deepEqual(simplifyPorts([80]), [80]);
  assert.deepEqual(simplifyPorts(['b', 80, 'a']), ['b', 80, 'a']);
  assert.deepEqual(simplifyPorts([80, 80, '81:90', 85, 92]), ['80:90', 92]);
  assert.deepEqual(simplifyPorts(['1:5', '3:10']), ['1:10']);
});
