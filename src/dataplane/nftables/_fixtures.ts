/**
 * A small but complete dataplane state used by the renderer's golden tests and the kernel tests: two
 * workloads, one host endpoint with normal, forward, untracked and pre-DNAT policy, two tiers (one that
 * passes), a staged policy, a named-port set, a log rule, and a natOutgoing pool.
 */
import type { DataplaneConfig, PolicyID, PolicyRules } from '../../calc/dataplane-api.js';
import { defaultDataplaneConfig, type DataplaneState, type IPSetState, type PolicyState } from './model.js';

function pol(kind: PolicyID['kind'], name: string, tier: string, rules: Partial<PolicyRules>, namespace?: string): [string, PolicyState] {
  const id: PolicyID = namespace ? { kind, namespace, name, tier } : { kind, name, tier };
  const key = namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
  return [key, { id, rules: { inbound: [], outbound: [], ...rules } }];
}

export function fixtureConfig(overrides: Partial<DataplaneConfig> = {}): DataplaneConfig {
  return { ...defaultDataplaneConfig(), defaultEndpointToHostAction: 'Accept', ...overrides };
}

export function fixtureState(config: DataplaneConfig = fixtureConfig()): DataplaneState {
  const ipSets = new Map<string, IPSetState>([
    ['s:frontend', { type: 'net', members: new Set(['10.65.1.2/32', '10.65.2.0/24', '10.65.2.7/32', 'fd00::2/128']) }],
    ['s:empty', { type: 'net', members: new Set() }],
    ['n:http', { type: 'ip-and-port', members: new Set(['10.65.1.3,tcp:8080', '10.65.1.4,tcp:8080']) }],
  ]);
  const policies = new Map<string, PolicyState>([
    pol('knp', 'allow-frontend', 'default', {
      inbound: [
        { action: 'allow', protocol: 'tcp', srcIPSetIds: ['s:frontend'], dstPorts: [{ first: 80, last: 81 }], ruleId: 'r1' },
        { action: 'allow', protocol: 'tcp', dstNamedPortIPSetIds: ['n:http'], dstPorts: [{ first: 443, last: 443 }], ruleId: 'r2' },
      ],
    }, 'x'),
    pol('gnp', 'security-pass', 'security', {
      inbound: [
        { action: 'log', ruleId: 'r3' },
        { action: 'deny', srcNets: ['192.0.2.0/24'], ruleId: 'r4' },
        { action: 'pass', ruleId: 'r5' },
      ],
      outbound: [
        { action: 'allow', protocol: 'udp', dstNets: ['10.96.0.10/32'], dstPorts: [{ first: 53, last: 53 }], ruleId: 'r6' },
        { action: 'allow', protocol: 'icmp', icmp: { type: 8, code: 0 }, ruleId: 'r7' },
        { action: 'deny', notProtocol: 'tcp', notDstNets: ['10.0.0.0/8', 'fd00::/8'], ruleId: 'r8' },
        { action: 'pass', ipVersion: 6, ruleId: 'r9' },
      ],
    }),
    pol('snp', 'staged-deny', 'default', { inbound: [{ action: 'deny', ruleId: 'r10' }], staged: true }, 'x'),
    pol('gnp', 'host-ssh', 'default', { inbound: [{ action: 'allow', protocol: 'tcp', dstPorts: [{ first: 2222, last: 2222 }], ruleId: 'r11' }] }),
    pol('gnp', 'host-forward', 'default', { inbound: [{ action: 'allow', srcNets: ['10.65.0.0/16'], ruleId: 'r12' }], applyOnForward: true }),
    pol('gnp', 'untracked-dns', 'default', {
      inbound: [{ action: 'allow', protocol: 'udp', srcPorts: [{ first: 53, last: 53 }], ruleId: 'r13' }],
      outbound: [{ action: 'allow', protocol: 'udp', dstPorts: [{ first: 53, last: 53 }], ruleId: 'r14' }],
      untracked: true,
      applyOnForward: true,
    }),
    pol('gnp', 'prednat-block', 'default', {
      inbound: [{ action: 'deny', srcNets: ['198.51.100.0/24'], ruleId: 'r15' }],
      preDNAT: true,
      applyOnForward: true,
    }),
  ]);
  const allowAll: PolicyRules = { inbound: [{ action: 'allow', ruleId: 'p1' }], outbound: [{ action: 'allow', ruleId: 'p2' }] };
  const profiles = new Map<string, PolicyRules>([['kns.x', allowAll], ['ksa.x.default', { inbound: [], outbound: [] }]]);
  const tiersFor = (ingress: string[]): DataplaneState['workloadEndpoints'] extends ReadonlyMap<string, infer W> ? W extends { tiers: infer T } ? T : never : never => [
    { name: 'security', ingressPolicies: ['gnp/security-pass'], egressPolicies: ['gnp/security-pass'], defaultAction: 'Pass' },
    { name: 'default', ingressPolicies: ingress, egressPolicies: [], defaultAction: 'Deny' },
  ];
  const workloadEndpoints = new Map([
    ['x/a', { key: 'x/a', interfaceName: 'cali1a2b3c4d5e6', ipv4Nets: ['10.65.1.2/32'], ipv6Nets: ['fd00::2/128'], tiers: tiersFor(['knp/x/allow-frontend', 'snp/x/staged-deny']), profileIds: ['kns.x', 'ksa.x.default'] }],
    ['x/b', { key: 'x/b', interfaceName: 'calif00dfeed001', ipv4Nets: ['10.65.1.3/32'], ipv6Nets: [], tiers: [], profileIds: ['kns.x'] }],
  ]);
  const hostEndpoints = new Map([
    ['node1-eth0', {
      key: 'node1-eth0',
      interfaceName: 'eth0',
      expectedIPv4Addrs: ['172.31.0.1'],
      expectedIPv6Addrs: [],
      tiers: [{ name: 'default', ingressPolicies: ['gnp/host-ssh'], egressPolicies: [], defaultAction: 'Deny' as const }],
      untrackedTiers: [{ name: 'default', ingressPolicies: ['gnp/untracked-dns'], egressPolicies: ['gnp/untracked-dns'], defaultAction: 'Deny' as const }],
      preDNATTiers: [{ name: 'default', ingressPolicies: ['gnp/prednat-block'], egressPolicies: [], defaultAction: 'Deny' as const }],
      forwardTiers: [{ name: 'default', ingressPolicies: ['gnp/host-forward'], egressPolicies: [], defaultAction: 'Deny' as const }],
      profileIds: [],
    }],
  ]);
  const ipPools = new Map([
    ['default-ipv4-ippool', { cidr: '10.65.0.0/16', natOutgoing: true, vxlanMode: 'Never' as const, disabled: false }],
    ['no-nat', { cidr: '10.66.0.0/16', natOutgoing: false, vxlanMode: 'Never' as const, disabled: false }],
  ]);
  return { config, ipSets, policies, profiles, workloadEndpoints, hostEndpoints, ipPools };
}
