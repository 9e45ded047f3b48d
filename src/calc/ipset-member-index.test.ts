import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IPSetMemberIndex, normaliseMember } from './ipset-member-index.js';
import { Dispatcher } from './dispatcher.js';
import { EventSequencer } from './event-sequencer.js';
import { RecordingCallbacks } from './recording-callbacks.js';
import { namedPortIPSet, selectorIPSet } from './rule-convert.js';

describe('normaliseMember()', () => {
  it('writes host CIDRs as addresses and masks network CIDRs', () => {
    assert.equal(normaliseMember('10.0.0.1/32'), '10.0.0.1');
    assert.equal(normaliseMember('10.1.2.3/16'), '10.1.0.0/16');
    assert.equal(normaliseMember('fd00::1/128'), 'fd00::1');
    assert.equal(normaliseMember('fd00::1:2/64'), 'fd00::/64');
    assert.equal(normaliseMember(' 192.0.2.7 '), '192.0.2.7');
  });

  it('rejects what Calico rejects', () => {
    assert.equal(normaliseMember('010.1.1.1'), undefined); // leading zero: octal in some parsers
    assert.equal(normaliseMember('10.0.0.256'), undefined);
    assert.equal(normaliseMember('10.0.0.0/33'), undefined);
    assert.equal(normaliseMember('web'), undefined);
  });
});

describe('IPSetMemberIndex', () => {
  it('ref-counts members shared by two items and tracks address changes', () => {
    const rec = new RecordingCallbacks();
    const seq = new EventSequencer(rec);
    const index = new IPSetMemberIndex(seq);
    const all = new Dispatcher();
    index.registerWith(all);
    const set = (name: string, nets: string[], labels: Record<string, string>) =>
      all.onUpdate({ kind: 'GlobalNetworkSet', key: name, value: { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name, labels }, spec: { nets } } });
    const s = selectorIPSet("role == 'x'");
    index.onIPSetActive(s);
    set('a', ['10.0.0.1/32', '10.2.0.0/16'], { role: 'x' });
    set('b', ['10.0.0.1'], { role: 'x' });
    set('c', ['10.9.9.9'], { role: 'y' });
    seq.flush();
    assert.deepEqual(rec.snapshot().ipSets, { [s.id]: ['10.0.0.1', '10.2.0.0/16'] });
    set('a', ['10.2.0.0/16'], { role: 'x' }); // b still holds 10.0.0.1
    seq.flush();
    assert.deepEqual(rec.snapshot().ipSets, { [s.id]: ['10.0.0.1', '10.2.0.0/16'] });
    all.onUpdate({ kind: 'GlobalNetworkSet', key: 'b', value: undefined });
    set('c', ['10.9.9.9'], { role: 'x' });
    seq.flush();
    assert.deepEqual(rec.snapshot().ipSets, { [s.id]: ['10.2.0.0/16', '10.9.9.9'] });
    index.onIPSetInactive(s.id);
    seq.flush();
    assert.deepEqual(rec.snapshot().ipSets, {});
  });

  it('named-port sets hold ip,proto:port of matching endpoints with that port', () => {
    const rec = new RecordingCallbacks();
    const seq = new EventSequencer(rec);
    const index = new IPSetMemberIndex(seq);
    const all = new Dispatcher();
    index.registerWith(all);
    all.onUpdate({
      kind: 'WorkloadEndpoint',
      key: 'ns1/w',
      value: {
        apiVersion: 'projectcalico.org/v3',
        kind: 'WorkloadEndpoint',
        metadata: { name: 'w', namespace: 'ns1', labels: { app: 'web' } },
        spec: { node: 'n2', ipNetworks: ['10.0.0.5/32'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }, { name: 'http', protocol: 'UDP', port: 81 }] },
      },
    });
    const tcp = namedPortIPSet("app == 'web'", 'tcp', 'http');
    const any = namedPortIPSet('all()', 'any', 'http');
    index.onIPSetActive(tcp);
    index.onIPSetActive(any);
    seq.flush();
    assert.deepEqual(rec.snapshot().ipSets, { [tcp.id]: ['10.0.0.5,tcp:80'], [any.id]: ['10.0.0.5,tcp:80', '10.0.0.5,udp:81'] });
    assert.equal(rec.snapshot().ipSetTypes[tcp.id], 'ip-and-port');
  });
});
