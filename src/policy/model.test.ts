import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../api/types.js';
import { ValidationError } from '../lib/errors.js';
import { defaultPolicyTypes, normalisePolicy, normaliseProfile, normaliseRule } from './model.js';

function np(spec: Record<string, unknown>, name = 'p', namespace = 'prod'): Resource {
  return { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}
function gnp(spec: Record<string, unknown>, name = 'g', kind = 'GlobalNetworkPolicy'): Resource {
  return { apiVersion: 'projectcalico.org/v3', kind, metadata: { name }, spec };
}
const NS = 'projectcalico.org/namespace';

test('normalisePolicy() ANDs the namespace onto a NetworkPolicy selector', () => {
  assert.equal(normalisePolicy(np({ selector: "app == 'web'" })).selector, `(app == "web" && ${NS} == "prod")`);
  // empty selector: just the namespace clause
  assert.equal(normalisePolicy(np({})).selector, `${NS} == "prod"`);
  assert.equal(normalisePolicy(np({ selector: 'all()' })).selector, `(all() && ${NS} == "prod")`);
});

test('normalisePolicy() folds GNP namespaceSelector and serviceAccountSelector into the selector', () => {
  const p = normalisePolicy(gnp({ selector: "app == 'db'", namespaceSelector: "team == 'a'", serviceAccountSelector: "role == 'x'" }));
  assert.equal(p.selector, '(app == "db" && pcns.team == "a" && pcsa.role == "x")');
  assert.equal(normalisePolicy(gnp({ namespaceSelector: 'all()' })).selector, `has(${NS})`);
  assert.equal(normalisePolicy(gnp({ namespaceSelector: 'global()' })).selector, `!has(${NS})`);
  assert.equal(normalisePolicy(gnp({})).selector, '');
});

test('normalisePolicy() gives Felix policy IDs and keys per kind', () => {
  assert.deepEqual(normalisePolicy(np({}, 'allow', 'ns1')).id, { kind: 'np', name: 'allow', namespace: 'ns1', tier: 'default' });
  assert.equal(normalisePolicy(np({}, 'knp.default.web', 'ns1')).key, 'knp/ns1/web');
  assert.equal(normalisePolicy(gnp({ tier: 'sec' }, 'sec.g')).key, 'gnp/sec.g');
  const staged = normalisePolicy(gnp({}, 's', 'StagedGlobalNetworkPolicy'));
  assert.equal(staged.key, 'sgnp/s');
  assert.equal(staged.staged, true);
  assert.equal(staged.stagedAction, 'Set');
  const snp = normalisePolicy({ ...np({}), kind: 'StagedNetworkPolicy' });
  assert.equal(snp.key, 'snp/prod/p');
  assert.equal(snp.staged, true);
});

test('normalisePolicy() keeps order undefined when unset (sorts as +infinity)', () => {
  assert.equal(normalisePolicy(np({})).order, undefined);
  assert.equal(normalisePolicy(np({ order: 10.5 })).order, 10.5);
  assert.equal(normalisePolicy(np({ order: 0 })).order, 0);
});

test('defaultPolicyTypes() follows Calico defaulting', () => {
  const allow = [{ action: 'Allow' as const }];
  assert.deepEqual(defaultPolicyTypes({}), ['Ingress']);
  assert.deepEqual(defaultPolicyTypes({ ingress: allow }), ['Ingress']);
  assert.deepEqual(defaultPolicyTypes({ egress: allow }), ['Egress']);
  assert.deepEqual(defaultPolicyTypes({ ingress: allow, egress: allow }), ['Ingress', 'Egress']);
  // explicit types win and come out in canonical order
  assert.deepEqual(defaultPolicyTypes({ types: ['Egress', 'Ingress'] }), ['Ingress', 'Egress']);
  assert.deepEqual(defaultPolicyTypes({ types: ['Egress'], ingress: allow }), ['Egress']);
});

test('rules in a namespaced policy: selectors get the namespace clause, nets-only rules do not', () => {
  const p = normalisePolicy(
    np({
      ingress: [
        { action: 'Allow', source: { selector: "role == 'fe'" } },
        { action: 'Allow', source: { nets: ['10.0.0.0/8'] } },
        { action: 'Deny', source: { notSelector: "role == 'bad'" } },
        { action: 'Allow', source: { namespaceSelector: "team == 'a'", selector: "role == 'fe'" } },
        { action: 'Allow', source: { namespaceSelector: 'all()' } },
        { action: 'Allow', source: { namespaceSelector: 'global()', selector: "kind == 'ext'" } },
        { action: 'Allow', source: { serviceAccounts: { names: ['sa2', 'sa1'], selector: "tier == 'x'" } } },
      ],
    }),
  );
  const src = p.inbound.map((r) => r.src);
  assert.equal(src[0]!.selector, `(${NS} == "prod" && role == "fe")`);
  assert.equal(src[1]!.selector, undefined);
  assert.deepEqual(src[1]!.nets, ['10.0.0.0/8']);
  // notSelector alone still scopes the rule to the namespace; the notSelector itself is not namespaced
  assert.equal(src[2]!.selector, `${NS} == "prod"`);
  assert.equal(src[2]!.notSelector, 'role == "bad"');
  // an explicit namespaceSelector replaces the policy's own namespace
  assert.equal(src[3]!.selector, '(pcns.team == "a" && role == "fe")');
  assert.equal(src[4]!.selector, `has(${NS})`);
  assert.equal(src[5]!.selector, `(!has(${NS}) && kind == "ext")`);
  assert.equal(
    src[6]!.selector,
    `(${NS} == "prod" && projectcalico.org/serviceaccount in {"sa1", "sa2"} && pcsa.tier == "x")`,
  );
});

test('rules in a global policy are not namespaced', () => {
  const p = normalisePolicy(gnp({ egress: [{ action: 'Allow', destination: { selector: "a == 'b'", notSelector: 'has(c)' } }, { action: 'Deny', destination: { notSelector: 'has(c)' } }] }));
  assert.equal(p.outbound[0]!.dst.selector, 'a == "b"');
  assert.equal(p.outbound[1]!.dst.selector, undefined);
  assert.equal(p.outbound[1]!.dst.notSelector, 'has(c)');
  assert.deepEqual(p.types, ['Egress']);
});

test('normaliseRule() splits numeric, range and named ports and lower-cases protocols', () => {
  const ref = { kind: 'GlobalNetworkPolicy', name: 'g' };
  const r = normaliseRule(
    { action: 'Allow', protocol: 'TCP', notProtocol: 17, destination: { ports: [80, '8080:8090', 'http', '443'], notPorts: ['metrics', 9000] } },
    3,
    { ref, field: 'spec.ingress[3]' },
  );
  assert.equal(r.index, 3);
  assert.equal(r.protocol, 'tcp');
  assert.equal(r.notProtocol, '17');
  assert.deepEqual(r.dst.ports, [{ first: 80, last: 80 }, { first: 8080, last: 8090 }, { first: 443, last: 443 }]);
  assert.deepEqual(r.dst.namedPorts, ['http']);
  assert.deepEqual(r.dst.notPorts, [{ first: 9000, last: 9000 }]);
  assert.deepEqual(r.dst.notNamedPorts, ['metrics']);
  assert.equal(normaliseRule({ action: 'Allow', protocol: 'ICMPv6' }, 0, { ref, field: 'x' }).protocol, 'icmpv6');
});

test('bad input names the resource and the field', () => {
  // invalid selector inside a rule
  assert.throws(
    () => normalisePolicy(np({ ingress: [{ action: 'Allow', source: { selector: 'app ==' } }] }, 'web')),
    (err: unknown) =>
      err instanceof ValidationError && err.fields[0]!.field === 'spec.ingress[0].source.selector' && /NetworkPolicy\(prod\/web\)/.test(err.message),
  );
  // port range reversed
  assert.throws(
    () => normalisePolicy(gnp({ ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['90:80'] } }] })),
    (err: unknown) => err instanceof ValidationError && err.fields[0]!.field === 'spec.ingress[0].destination.ports[0]',
  );
  // unknown protocol name
  assert.throws(
    () => normalisePolicy(gnp({ egress: [{ action: 'Allow', protocol: 'GRE' }] })),
    (err: unknown) => err instanceof ValidationError && err.fields[0]!.field === 'spec.egress[0].protocol',
  );
  // unknown action
  assert.throws(
    () => normalisePolicy(gnp({ egress: [{ action: 'Accept' }] })),
    (err: unknown) => err instanceof ValidationError && err.fields[0]!.field === 'spec.egress[0].action',
  );
  // namespaced kind without a namespace
  assert.throws(() => normalisePolicy({ ...np({}), metadata: { name: 'p' } }), /metadata\.namespace/);
  // invalid GNP namespaceSelector
  assert.throws(
    () => normalisePolicy(gnp({ namespaceSelector: 'a in {' })),
    (err: unknown) => err instanceof ValidationError && err.fields[0]!.field === 'spec.namespaceSelector',
  );
  assert.throws(() => normalisePolicy({ ...gnp({}), kind: 'Profile' }), /not a Calico policy kind/);
  // an unconverted k8s NetworkPolicy is refused rather than misread
  assert.throws(() => normalisePolicy({ ...np({ podSelector: {} }), apiVersion: 'networking.k8s.io/v1' }), /must be converted/);
});

test('normaliseProfile() keeps rules un-namespaced and copies labelsToApply', () => {
  const p = normaliseProfile({
    apiVersion: 'projectcalico.org/v3',
    kind: 'Profile',
    metadata: { name: 'kns.prod' },
    spec: { ingress: [{ action: 'Allow', source: { selector: "a == 'b'" } }], egress: [{ action: 'Allow' }], labelsToApply: { 'pcns.team': 'a' } },
  });
  assert.equal(p.name, 'kns.prod');
  assert.equal(p.inbound[0]!.src.selector, 'a == "b"');
  assert.equal(p.outbound.length, 1);
  assert.deepEqual(p.labelsToApply, { 'pcns.team': 'a' });
});
