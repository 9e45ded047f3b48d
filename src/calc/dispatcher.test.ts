import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Dispatcher } from './dispatcher.js';
import { LocalEndpointFilter } from './local-endpoint-filter.js';

describe('Dispatcher', () => {
  it('calls handlers of the update kind in registration order until one filters it out', () => {
    const seen: string[] = [];
    const d = new Dispatcher();
    d.register('Tier', (u) => {
      seen.push(`first ${u.key}`);
      return u.key === 'drop-me';
    });
    d.register('Tier', (u) => void seen.push(`second ${u.key}`));
    d.register('Profile', (u) => void seen.push(`profile ${u.key}`));
    d.onUpdate({ kind: 'Tier', key: 'a', value: {} });
    d.onUpdate({ kind: 'Tier', key: 'drop-me', value: {} });
    d.onUpdate({ kind: 'IPPool', key: 'unhandled', value: {} });
    assert.deepEqual(seen, ['first a', 'second a', 'first drop-me']);
    assert.deepEqual(d.kinds().sort(), ['Profile', 'Tier']);
  });
});

describe('LocalEndpointFilter', () => {
  it('passes this node\'s endpoints and turns a move away into a deletion', () => {
    const all = new Dispatcher();
    const local = new Dispatcher();
    const seen: string[] = [];
    local.register('WorkloadEndpoint', (u) => void seen.push(`${u.key} ${u.value ? 'set' : 'del'}`));
    new LocalEndpointFilter('node1', local).registerWith(all);
    const wep = (node: string) => ({ apiVersion: 'projectcalico.org/v3', kind: 'WorkloadEndpoint', metadata: { name: 'w', namespace: 'ns' }, spec: { node } });
    all.onUpdate({ kind: 'WorkloadEndpoint', key: 'ns/w', value: wep('node2') });
    all.onUpdate({ kind: 'WorkloadEndpoint', key: 'ns/w', value: wep('node1') });
    all.onUpdate({ kind: 'WorkloadEndpoint', key: 'ns/w', value: wep('node1') });
    all.onUpdate({ kind: 'WorkloadEndpoint', key: 'ns/w', value: wep('node2') });
    all.onUpdate({ kind: 'WorkloadEndpoint', key: 'ns/w', value: undefined });
    assert.deepEqual(seen, ['ns/w set', 'ns/w set', 'ns/w del']);
  });
});
