import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvariantError } from '../lib/errors.js';
import { defaultDataplaneConfig } from './dataplane-api.js';
import type { PipelineCallbacks, PolicyRules } from './dataplane-api.js';
import { EventSequencer } from './event-sequencer.js';
import { RecordingCallbacks } from './recording-callbacks.js';

/** Callbacks that log `method arg0 [arg1]` for each call. */
function logger(): { log: string[]; callbacks: PipelineCallbacks } {
  const log: string[] = [];
  const callbacks = new Proxy({} as PipelineCallbacks, {
    get: (_t, method: string) => (...args: unknown[]) => {
      const shown = args.slice(0, 2).map((a) => (typeof a === 'string' ? a : Array.isArray(a) ? `[${[...a].sort().join(',')}]` : ''));
      log.push([method, ...shown].filter((s) => s !== '').join(' '));
    },
  });
  return { log, callbacks };
}

const rules = (setId?: string): PolicyRules => ({
  inbound: setId ? [{ action: 'allow', ruleId: 'r1', srcIPSetIds: [setId] }] : [],
  outbound: [],
});

const wep = (key: string, policies: string[], profiles: string[] = []) => ({
  key,
  interfaceName: 'cali1',
  ipv4Nets: ['10.0.0.1/32'],
  ipv6Nets: [],
  tiers: policies.length ? [{ name: 'default', ingressPolicies: policies, egressPolicies: [], defaultAction: 'Deny' as const }] : [],
  profileIds: profiles,
});

const pid = { kind: 'gnp' as const, name: 'p1', tier: 'default' };

describe('EventSequencer', () => {
  it('flush() emits in dependency order whatever the order of input', () => {
    const { log, callbacks } = logger();
    const seq = new EventSequencer(callbacks);
    seq.onRouteUpdate({ dst: '10.0.0.1/32', type: 'local-workload', interfaceName: 'cali1' });
    seq.onWorkloadEndpointUpdate(wep('ns/w1', ['gnp/p1'], ['kns.ns']));
    seq.onProfileUpdate('kns.ns', rules());
    seq.onPolicyUpdate('gnp/p1', pid, rules('s:a'));
    seq.onIPSetAdded('s:a', 'net');
    seq.onIPSetMembersAdded('s:a', ['10.0.0.2']);
    seq.onIPPoolUpdate('pool1', { cidr: '10.0.0.0/16', natOutgoing: true, vxlanMode: 'Never', disabled: false });
    seq.onConfigUpdate(defaultDataplaneConfig());
    seq.onInSync();
    seq.flush();
    assert.deepEqual(log, [
      'onConfigUpdate',
      'onIPSetAdded s:a net',
      'onIPSetMembersAdded s:a [10.0.0.2]',
      'onPolicyUpdate gnp/p1',
      'onProfileUpdate kns.ns',
      'onWorkloadEndpointUpdate',
      'onRouteUpdate',
      'onIPPoolUpdate pool1',
      'onInSync',
    ]);

    log.length = 0;
    seq.onIPSetRemoved('s:a');
    seq.onPolicyRemoved('gnp/p1');
    seq.onProfileRemoved('kns.ns');
    seq.onWorkloadEndpointRemoved('ns/w1');
    seq.onRouteRemoved('10.0.0.1/32');
    seq.onIPPoolRemoved('pool1');
    seq.onInSync(); // only ever sent once
    seq.flush();
    assert.deepEqual(log, [
      'onWorkloadEndpointRemoved ns/w1',
      'onProfileRemoved kns.ns',
      'onPolicyRemoved gnp/p1',
      'onIPSetRemoved s:a',
      'onRouteRemoved 10.0.0.1/32',
      'onIPPoolRemoved pool1',
    ]);
  });

  it('coalesces: an add then a remove before a flush sends nothing; removals only for sent items', () => {
    const { log, callbacks } = logger();
    const seq = new EventSequencer(callbacks);
    seq.onIPSetAdded('s:a', 'net');
    seq.onIPSetMembersAdded('s:a', ['10.0.0.1']);
    seq.onIPSetRemoved('s:a');
    seq.onPolicyUpdate('gnp/p1', pid, rules());
    seq.onPolicyRemoved('gnp/p1');
    seq.onWorkloadEndpointRemoved('ns/never-sent');
    seq.onRouteRemoved('10.9.9.9/32');
    seq.flush();
    assert.deepEqual(log, []);
  });

  it('drops updates identical to what was last sent', () => {
    const { log, callbacks } = logger();
    const seq = new EventSequencer(callbacks);
    seq.onPolicyUpdate('gnp/p1', pid, rules());
    seq.onConfigUpdate(defaultDataplaneConfig());
    seq.flush();
    seq.onPolicyUpdate('gnp/p1', pid, rules());
    seq.onConfigUpdate(defaultDataplaneConfig());
    seq.onPolicyRemoved('gnp/p1');
    seq.onPolicyUpdate('gnp/p1', pid, rules()); // cancels the removal; same value
    seq.flush();
    assert.deepEqual(log, ['onConfigUpdate', 'onPolicyUpdate gnp/p1']);
  });

  it('member deltas cancel out, and a set removed and re-added gets exact deltas', () => {
    const rec = new RecordingCallbacks();
    const seq = new EventSequencer(rec);
    seq.onIPSetAdded('s:a', 'net');
    seq.onIPSetMembersAdded('s:a', ['10.0.0.1', '10.0.0.2']);
    seq.flush();
    seq.onIPSetMembersRemoved('s:a', ['10.0.0.1']);
    seq.onIPSetMembersAdded('s:a', ['10.0.0.1', '10.0.0.3']);
    seq.onIPSetMembersRemoved('s:a', ['10.0.0.3']);
    seq.flush();
    assert.equal(rec.counts.get('onIPSetMembersAdded'), 1, 'no delta left to send');
    assert.equal(rec.counts.get('onIPSetMembersRemoved'), undefined);

    seq.onIPSetRemoved('s:a');
    seq.onIPSetAdded('s:a', 'net');
    seq.onIPSetMembersAdded('s:a', ['10.0.0.2', '10.0.0.4']);
    seq.flush();
    assert.deepEqual(rec.snapshot().ipSets, { 's:a': ['10.0.0.2', '10.0.0.4'] });
    assert.equal(rec.counts.get('onIPSetRemoved'), undefined, 'the set stayed in place');
  });

  it('throws InvariantError on impossible input', () => {
    const seq = new EventSequencer(new RecordingCallbacks());
    assert.throws(() => seq.onIPSetMembersAdded('s:nope', ['10.0.0.1']), InvariantError);
    assert.throws(() => seq.onIPSetRemoved('s:nope'), InvariantError);
    seq.onIPSetAdded('s:a', 'net');
    assert.throws(() => seq.onIPSetAdded('s:a', 'net'), InvariantError);
  });
});
