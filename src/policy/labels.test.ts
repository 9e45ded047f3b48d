import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Resource } from '../api/types.js';
import { endpointLabels, hostEndpointLabels, namespaceProfile, networkSetLabels, serviceAccountProfile } from './labels.js';
import { normaliseProfile } from './model.js';

const profiles = new Map([
  ['kns.prod', normaliseProfile(namespaceProfile({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', labels: { team: 'a' } } }))],
  ['extra', normaliseProfile({ apiVersion: 'projectcalico.org/v3', kind: 'Profile', metadata: { name: 'extra' }, spec: { labelsToApply: { app: 'from-profile', 'pcns.team': 'shadowed' } } })],
]);

test('endpointLabels(): own labels, implicit labels, inherited profile labels; own labels win', () => {
  const wep: Resource = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'WorkloadEndpoint',
    metadata: { name: 'n-k8s-web-eth0', namespace: 'prod', labels: { app: 'web', 'projectcalico.org/namespace': 'spoofed' } },
    spec: { orchestrator: 'k8s', serviceAccountName: 'frontend', profiles: ['kns.prod', 'extra'] },
  };
  assert.deepEqual(endpointLabels(wep, profiles), {
    'pcns.team': 'a', // first profile wins over a later one
    'pcns.projectcalico.org/name': 'prod',
    app: 'web', // own label beats the profile's
    'projectcalico.org/namespace': 'prod', // implicit labels are authoritative
    'projectcalico.org/orchestrator': 'k8s',
    'projectcalico.org/serviceaccount': 'frontend',
  });
});

test('endpointLabels(): no service-account label for names of 63+ characters', () => {
  const wep: Resource = { apiVersion: 'projectcalico.org/v3', kind: 'WorkloadEndpoint', metadata: { name: 'w', namespace: 'n' }, spec: { serviceAccountName: 's'.repeat(63) } };
  assert.equal(endpointLabels(wep)['projectcalico.org/serviceaccount'], undefined);
  assert.equal(endpointLabels(wep)['projectcalico.org/namespace'], 'n');
});

test('hostEndpointLabels(): own labels over profile labels, no namespace', () => {
  const hep: Resource = { apiVersion: 'projectcalico.org/v3', kind: 'HostEndpoint', metadata: { name: 'h', labels: { app: 'host' } }, spec: { profiles: ['extra'] } };
  assert.deepEqual(hostEndpointLabels(hep, profiles), { app: 'host', 'pcns.team': 'shadowed' });
});

test('networkSetLabels(): namespaced sets get the namespace label and kns labels; global sets do not', () => {
  const ns: Resource = { apiVersion: 'projectcalico.org/v3', kind: 'NetworkSet', metadata: { name: 's', namespace: 'prod', labels: { role: 'db' } }, spec: {} };
  assert.deepEqual(networkSetLabels(ns, profiles), {
    'pcns.team': 'a',
    'pcns.projectcalico.org/name': 'prod',
    role: 'db',
    'projectcalico.org/namespace': 'prod',
  });
  const gns: Resource = { ...ns, kind: 'GlobalNetworkSet', metadata: { name: 'g', labels: { role: 'db' } } };
  assert.deepEqual(networkSetLabels(gns, profiles), { role: 'db' });
});

test('namespaceProfile() / serviceAccountProfile() derive kns./ksa. profiles', () => {
  const p = namespaceProfile({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', labels: { ns: 'x' } } });
  assert.equal(p.metadata.name, 'kns.x');
  assert.deepEqual(p.spec?.labelsToApply, { 'pcns.ns': 'x', 'pcns.projectcalico.org/name': 'x' });
  assert.deepEqual(p.spec?.ingress, [{ action: 'Allow' }]);
  assert.deepEqual(p.spec?.egress, [{ action: 'Allow' }]);
  const sa = serviceAccountProfile({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: 'x', labels: { tier: 'be' } } });
  assert.equal(sa.metadata.name, 'ksa.x.api');
  assert.deepEqual(sa.spec, { labelsToApply: { 'pcsa.tier': 'be', 'pcsa.projectcalico.org/name': 'api' } });
});
