import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ParsedRule } from '../../calc/dataplane-api.js';
import { defaultDataplaneConfig } from './model.js';
import { renderRule } from './rule-render.js';

const config = defaultDataplaneConfig();
const r = (rule: Partial<ParsedRule>, family: 'ip' | 'ip6' = 'ip'): string[] =>
  renderRule({ action: 'allow', ruleId: 'id', ...rule }, { family, config });

test('renderRule() renders each match and verdict', () => {
  const rows: Array<[Partial<ParsedRule>, string[]]> = [
    [{}, ['meta mark set meta mark | 0x10000 return comment "cali:id"']],
    [{ action: 'deny' }, ['drop comment "cali:id"']],
    [{ action: 'pass' }, ['meta mark set meta mark | 0x20000 return comment "cali:id"']],
    [{ action: 'log', logPrefix: 'mine' }, ['log prefix "mine: " comment "cali:id"']],
    [{ action: 'log' }, ['log prefix "calico-packet: " comment "cali:id"']],
    [{ action: 'deny', protocol: 'tcp', dstPorts: [{ first: 80, last: 80 }, { first: 8000, last: 8080 }] }, ['meta l4proto tcp th dport { 80, 8000-8080 } drop comment "cali:id"']],
    [{ action: 'deny', protocol: '132' }, ['meta l4proto 132 drop comment "cali:id"']],
    [{ action: 'deny', notProtocol: 'udp', srcNets: ['10.0.0.1/32', 'fd00::/64'] }, ['meta l4proto != udp ip saddr 10.0.0.1 drop comment "cali:id"']],
    [{ action: 'deny', notDstNets: ['10.0.0.0/8'], dstIPSetIds: ['s:a', 's:b'], notSrcIPSetIds: ['s:c'] }, ['ip daddr != 10.0.0.0/8 ip saddr != @cali40s-c ip daddr @cali40s-a ip daddr @cali40s-b drop comment "cali:id"']],
    [{ action: 'deny', protocol: 'icmp', icmp: { type: 8 }, notICMP: { type: 3, code: 1 } }, ['meta l4proto icmp icmp type 8 icmp type . icmp code != { 3 . 1 } drop comment "cali:id"']],
    // Numeric ports OR named ports: one line per alternative, same verdict.
    [{ action: 'deny', protocol: 'tcp', dstPorts: [{ first: 80, last: 80 }], dstNamedPortIPSetIds: ['n:web'] }, [
      'meta l4proto tcp th dport 80 drop comment "cali:id"',
      'meta l4proto tcp ip daddr . meta l4proto . th dport @cali40n-web drop comment "cali:id"',
    ]],
    [{ action: 'deny', protocol: 'tcp', notDstPorts: [{ first: 22, last: 22 }], notSrcNamedPortIPSetIds: ['n:x'] }, ['meta l4proto tcp th dport != 22 ip saddr . meta l4proto . th sport != @cali40n-x drop comment "cali:id"']],
  ];
  for (const [rule, expected] of rows) assert.deepEqual(r(rule), expected, JSON.stringify(rule));
});

test('renderRule() drops rules that cannot match in the family', () => {
  // Why each row renders nothing: wrong ipVersion; ICMPv4 in ip6; ICMPv6 in ip; nets only of the other family.
  assert.deepEqual(r({ ipVersion: 6 }), []);
  assert.deepEqual(r({ protocol: 'icmp' }, 'ip6'), []);
  assert.deepEqual(r({ protocol: 'icmpv6' }, 'ip'), []);
  assert.deepEqual(r({ srcNets: ['fd00::/8'] }, 'ip'), []);
  assert.deepEqual(r({ dstNets: ['10.0.0.0/8'] }, 'ip6'), []);
  assert.equal(r({ srcNets: ['fd00::/8'] }, 'ip6')[0], 'ip6 saddr fd00::/8 meta mark set meta mark | 0x10000 return comment "cali:id"');
});

test('renderRule() uses reject when the deny action is Reject', () => {
  assert.deepEqual(renderRule({ action: 'deny', ruleId: 'x' }, { family: 'ip', config: { ...config, denyAction: 'Reject' } }), ['reject comment "cali:x"']);
});

test('renderRule() rejects an unknown protocol', () => {
  assert.throws(() => r({ protocol: 'bogus' }), /Cannot render protocol "bogus"/);
});
