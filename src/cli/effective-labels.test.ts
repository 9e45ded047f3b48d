import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../api/types.js';
import { effectiveLabels } from './effective-labels.js';

test('effectiveLabels() adds profile and implicit labels to a WorkloadEndpoint, own labels winning over profiles', () => {
  const wep: Resource = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'WorkloadEndpoint',
    metadata: { name: 'n1-k8s-web-eth0', namespace: 'prod', labels: { app: 'web', team: 'own' } },
    spec: { orchestrator: 'k8s', serviceAccountName: 'sa1', profiles: ['kns.prod', 'ksa.prod.sa1'] },
  };
  const profiles = new Map<string, Record<string, string>>([
    ['kns.prod', { 'pcns.team': 'blue', team: 'profile', shared: 'first' }],
    ['ksa.prod.sa1', { 'pcsa.role': 'api', shared: 'second' }],
  ]);
  assert.deepEqual(effectiveLabels(wep, profiles), {
    'pcns.team': 'blue',
    'pcsa.role': 'api',
    shared: 'first',
    team: 'own',
    app: 'web',
    'projectcalico.org/namespace': 'prod',
    'projectcalico.org/orchestrator': 'k8s',
    'projectcalico.org/serviceaccount': 'sa1',
  });
});

test('effectiveLabels() leaves other kinds with their own labels', () => {
  const pool: Resource = { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p', labels: { a: 'b' } }, spec: { profiles: ['x'] } };
  assert.deepEqual(effectiveLabels(pool, new Map([['x', { c: 'd' }]])), { a: 'b' });
});

test('effectiveLabels() gives a namespaced NetworkSet its namespace and kns labels, as policy selectors see it', () => {
  const set: Resource = { apiVersion: 'projectcalico.org/v3', kind: 'NetworkSet', metadata: { name: 'ext', namespace: 'prod', labels: { role: 'db' } }, spec: { nets: ['10.0.0.0/8'] } };
  assert.deepEqual(effectiveLabels(set, new Map([['kns.prod', { 'pcns.team': 'blue' }]])), {
    'pcns.team': 'blue',
    role: 'db',
    'projectcalico.org/namespace': 'prod',
  });
});
