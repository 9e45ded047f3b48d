import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../lib/errors.js';
import { parseManifests } from './codec.js';
import { prepareResource } from './prepare.js';
import type { Resource } from './types.js';

function rejects(r: unknown, field: string, options = {}): void {
  assert.throws(
    () => prepareResource(r as Resource, options),
    (e: unknown) => {
      assert.ok(e instanceof ValidationError, String(e));
      assert.ok(e.fields.some((f) => f.field === field), e.message);
      return true;
    },
  );
}

test('prepareResource() converts, defaults and validates', () => {
  const [np] = parseManifests('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  podSelector: {}\n  ingress: [{}]\n');
  const out = prepareResource(np!);
  assert.equal(out.metadata.name, 'knp.default.web');
  assert.deepEqual(out.spec, {
    tier: 'default',
    order: 1000,
    selector: "projectcalico.org/orchestrator == 'k8s'",
    types: ['Ingress'],
    ingress: [{ action: 'Allow', source: {}, destination: {} }],
  });
});

test('prepareResource() rejects seed 002\'s ipMode as an unknown field, as calicoctl does', () => {
  const [pool] = parseManifests('apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: default-pool\nspec:\n  cidr: 192.168.0.0/16\n  ipMode: CrossSubnet\n  natOutgoing: true\n');
  assert.throws(() => prepareResource(pool!), /IPPool\(default-pool\): spec\.ipMode: unknown field "ipMode"/);
});

test('prepareResource() checks apiVersion and kind', () => {
  rejects({ apiVersion: 'projectcalico.org/v3', kind: 'Pod', metadata: { name: 'x' } }, 'kind');
  rejects({ apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool', metadata: { name: 'x' }, spec: { cidr: '10.0.0.0/8' } }, 'apiVersion');
  rejects({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, 'kind');
  rejects({ apiVersion: 'projectcalico.org/v3', kind: 'Tier' }, 'metadata');
  rejects(null, '');
});

test('prepareResource() keeps only the metadata calicoctl sends', () => {
  const out = prepareResource({
    apiVersion: 'projectcalico.org/v3',
    kind: 'Tier',
    metadata: { name: 't', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z', resourceVersion: '7', generation: 3, labels: { a: 'b' } },
    spec: { order: 10 },
  });
  assert.deepEqual(out.metadata, { name: 't', resourceVersion: '7', labels: { a: 'b' } });
  const kept = prepareResource({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 't', uid: 'u1' } }, { keepMetadata: true });
  assert.equal(kept.metadata.uid, 'u1');
});

test('prepareResource() refuses Calico policies named like converted Kubernetes ones', () => {
  const r = { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'knp.default.web', namespace: 'shop' }, spec: {} };
  rejects(r, 'metadata.name');
  assert.equal(prepareResource(r as Resource, { allowKubernetesPolicyNames: true }).metadata.name, 'knp.default.web');
});

test('prepareResource() puts namespaced resources in the given or default namespace', () => {
  const r = { apiVersion: 'projectcalico.org/v3', kind: 'NetworkSet', metadata: { name: 's' }, spec: { nets: ['10.0.0.0/8'] } } as Resource;
  assert.equal(prepareResource(r).metadata.namespace, 'default');
  assert.equal(prepareResource(r, { namespace: 'dev' }).metadata.namespace, 'dev');
});
