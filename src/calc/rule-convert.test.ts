import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalisePolicy } from '../policy/index.js';
import { parseSelector } from '../selector/index.js';
import { convertRules, namedPortIPSet, selectorIPSet } from './rule-convert.js';

function rulesOf(ingress: unknown[]) {
  const model = normalisePolicy({
    apiVersion: 'projectcalico.org/v3',
    kind: 'GlobalNetworkPolicy',
    metadata: { name: 'p' },
    spec: { selector: 'all()', ingress: ingress as never },
  });
  return convertRules(model.key, 'inbound', model.inbound);
}

describe('convertRules()', () => {
  it('replaces selectors with IP set IDs (the selector unique ID) and keeps nets and ports', () => {
    const { parsed, ipSets } = rulesOf([
      {
        action: 'Allow',
        protocol: 'TCP',
        source: { selector: "app == 'db'", notSelector: 'has(quarantine)', nets: ['10.0.0.0/8'] },
        destination: { ports: [80, '8000:8080'], notPorts: [8081] },
      },
    ]);
    const db = parseSelector("app == 'db'").uniqueId();
    const q = parseSelector('has(quarantine)').uniqueId();
    assert.equal(parsed.length, 1);
    const r = parsed[0]!;
    assert.equal(r.action, 'allow');
    assert.equal(r.protocol, 'tcp');
    assert.deepEqual(r.srcIPSetIds, [db]);
    assert.deepEqual(r.notSrcIPSetIds, [q]);
    assert.deepEqual(r.srcNets, ['10.0.0.0/8']);
    assert.deepEqual(r.dstPorts, [{ first: 80, last: 80 }, { first: 8000, last: 8080 }]);
    assert.deepEqual(r.notDstPorts, [{ first: 8081, last: 8081 }]);
    assert.deepEqual(ipSets.map((s) => [s.id, s.type]), [[db, 'net'], [q, 'net']]);
    assert.match(r.ruleId, /^[A-Za-z0-9_-]{16}$/);
  });

  it('equivalent selectors share one set', () => {
    assert.equal(selectorIPSet("a == 'x' && b == 'y'").id, selectorIPSet('a=="x"&&b=="y"').id);
  });

  it('turns named ports into ip-and-port sets keyed by selector, protocol and name', () => {
    const { parsed, ipSets } = rulesOf([{ action: 'Allow', protocol: 'UDP', destination: { selector: "app == 'dns'", ports: ['dns', 53] } }]);
    const set = namedPortIPSet("app == 'dns'", 'udp', 'dns');
    assert.ok(set.id.startsWith('n:'));
    assert.deepEqual(parsed[0]!.dstNamedPortIPSetIds, [set.id]);
    assert.deepEqual(parsed[0]!.dstPorts, [{ first: 53, last: 53 }]);
    assert.deepEqual(ipSets.find((s) => s.type === 'ip-and-port'), set);
    assert.notEqual(namedPortIPSet("app == 'dns'", 'tcp', 'dns').id, set.id);
  });

  it('fails closed on what the L3/L4 dataplane cannot enforce', () => {
    // HTTP match on an Allow rule: dropped, so it never allows.
    assert.equal(rulesOf([{ action: 'Allow', protocol: 'TCP', http: { methods: ['GET'] } }]).parsed.length, 0);
    // Service match: an Allow is dropped, a Deny denies without the service restriction.
    assert.equal(rulesOf([{ action: 'Allow', destination: { services: { name: 'svc', namespace: 'ns' } } }]).parsed.length, 0);
    assert.equal(rulesOf([{ action: 'Deny', destination: { services: { name: 'svc', namespace: 'ns' } } }]).parsed[0]!.action, 'deny');
    // A named port under a protocol without ports cannot match.
    assert.equal(rulesOf([{ action: 'Allow', protocol: 'ICMP', destination: { ports: ['http'] } }]).parsed.length, 0);
  });

  it('copies ICMP matches and lower-cases actions', () => {
    const { parsed } = rulesOf([
      { action: 'Log', protocol: 'ICMP', icmp: { type: 8, code: 0 } },
      { action: 'Pass', protocol: 'ICMP', notICMP: { type: 3 } },
    ]);
    assert.deepEqual(parsed.map((r) => [r.action, r.icmp, r.notICMP]), [
      ['log', { type: 8, code: 0 }, undefined],
      ['pass', undefined, { type: 3 }],
    ]);
    assert.notEqual(parsed[0]!.ruleId, parsed[1]!.ruleId);
  });
});
