/**
 * Datastore states with the dataplane state Felix would program on `node1`. Each state is complete
 * on its own, so any two can follow each other.
 */
import { namedPortIPSet, selectorIPSet } from '../../src/calc/rule-convert.js';
import { block, felixConfig, gnp, hep, ippool, netset, node, np, nsProfile, profile, sgnp, tier, wep } from './resources.js';
import type { State } from './state.js';

const sel = (s: string): string => selectorIPSet(s).id;
const named = (s: string, proto: string, port: string): string => namedPortIPSet(s, proto, port).id;

const w1 = wep('w1', { ips: ['10.65.0.1'], labels: { app: 'web' } });
const w1Route = { '10.65.0.1/32': 'local-workload caliw1' };
const remoteDb = wep('w2', { node: 'node2', ips: ['10.65.1.2'], labels: { app: 'db' } });

export const wepOnly: State = {
  name: 'local workload, namespace profile only',
  kvs: [nsProfile('ns1'), w1],
  expected: {
    profiles: ['kns.ns1'],
    endpoints: { 'ns1/w1': ' ; profiles=kns.ns1' },
    routes: w1Route,
  },
};

export const allowFromDb: State = {
  name: 'global policy with a rule selector matching a remote workload',
  kvs: [
    nsProfile('ns1'),
    w1,
    remoteDb,
    gnp('allow-db', { selector: "app == 'web'", ingress: [{ action: 'Allow', source: { selector: "app == 'db'" } }] }),
  ],
  expected: {
    ipSets: { [sel("app == 'db'")]: ['10.65.1.2'] },
    policies: ['gnp/allow-db'],
    profiles: ['kns.ns1'],
    endpoints: { 'ns1/w1': 'default(Deny) in=[gnp/allow-db] out=[] ; profiles=kns.ns1' },
    routes: w1Route,
  },
};

export const tiersAndNamespaces: State = {
  name: 'tiers, orders, a namespaced policy with a namespaced rule selector',
  kvs: [
    nsProfile('ns1'),
    nsProfile('ns2'),
    w1,
    wep('w3', { node: 'node2', ips: ['10.65.1.3'], labels: { role: 'fe' } }),
    wep('w4', { node: 'node2', namespace: 'ns2', ips: ['10.65.1.4'], labels: { role: 'fe' } }),
    tier('security', 100, 'Pass'),
    gnp('sec-all', {
      tier: 'security',
      order: 10,
      selector: 'all()',
      types: ['Ingress', 'Egress'],
      egress: [{ action: 'Deny', destination: { nets: ['192.0.2.0/24'] } }],
    }),
    gnp('default-web', { order: 5, selector: "app == 'web'", egress: [{ action: 'Allow' }] }),
    np('ns1', 'web-in', { order: 1, selector: "app == 'web'", ingress: [{ action: 'Allow', source: { selector: "role == 'fe'" } }] }),
    // Selects nothing local: stays inactive, so its set is not programmed.
    np('ns2', 'fe-only', { selector: "role == 'fe'", ingress: [{ action: 'Allow', source: { selector: 'all()' } }] }),
  ],
  expected: {
    ipSets: { [sel("projectcalico.org/namespace == 'ns1' && role == 'fe'")]: ['10.65.1.3'] },
    policies: ['gnp/default-web', 'gnp/sec-all', 'np/ns1/web-in'],
    profiles: ['kns.ns1'],
    endpoints: {
      'ns1/w1':
        'security(Pass) in=[gnp/sec-all] out=[gnp/sec-all] | default(Deny) in=[np/ns1/web-in] out=[gnp/default-web] ; profiles=kns.ns1',
    },
    routes: w1Route,
  },
};

export const namedPorts: State = {
  name: 'named ports with and without a protocol',
  kvs: [
    nsProfile('ns1'),
    wep('w1', { ips: ['10.65.0.1'], labels: { app: 'web' }, ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] }),
    wep('w2', {
      node: 'node2',
      ips: ['10.65.1.2', 'fd00::2'],
      labels: { app: 'db' },
      ports: [
        { name: 'http', protocol: 'TCP', port: 9090 },
        { name: 'dns', protocol: 'UDP', port: 53 },
        { name: 'dns', protocol: 'TCP', port: 53 },
      ],
    }),
    gnp('named', {
      selector: "app == 'web'",
      egress: [
        { action: 'Allow', protocol: 'TCP', destination: { selector: "app == 'db'", ports: ['http'] } },
        { action: 'Allow', destination: { ports: ['dns'] } },
      ],
    }),
  ],
  expected: {
    ipSets: {
      [sel("app == 'db'")]: ['10.65.1.2', 'fd00::2'],
      [named("app == 'db'", 'tcp', 'http')]: ['10.65.1.2,tcp:9090', 'fd00::2,tcp:9090'],
      [named('all()', 'any', 'dns')]: ['10.65.1.2,udp:53', '10.65.1.2,tcp:53', 'fd00::2,udp:53', 'fd00::2,tcp:53'],
    },
    policies: ['gnp/named'],
    profiles: ['kns.ns1'],
    endpoints: { 'ns1/w1': 'default(Deny) in=[] out=[gnp/named] ; profiles=kns.ns1' },
    routes: w1Route,
  },
};

export const networkSets: State = {
  name: 'global and namespaced network sets',
  kvs: [
    nsProfile('ns1'),
    w1,
    netset('ext', ['198.51.100.0/24', '203.0.113.7/32'], { type: 'external' }),
    netset('corp', ['172.16.0.0/12'], { type: 'external' }, 'ns1'),
    netset('other', ['100.64.0.0/10'], { type: 'internal' }),
    gnp('to-external', { selector: "app == 'web'", egress: [{ action: 'Allow', destination: { selector: "type == 'external'" } }] }),
  ],
  expected: {
    ipSets: { [sel("type == 'external'")]: ['172.16.0.0/12', '198.51.100.0/24', '203.0.113.7'] },
    policies: ['gnp/to-external'],
    profiles: ['kns.ns1'],
    endpoints: { 'ns1/w1': 'default(Deny) in=[] out=[gnp/to-external] ; profiles=kns.ns1' },
    routes: w1Route,
  },
};

export const profileLabels: State = {
  name: 'selectors on labels inherited from namespace profiles',
  kvs: [
    nsProfile('ns2', { team: 'blue' }),
    wep('w6', { namespace: 'ns2', ips: ['10.65.0.6'], labels: {} }),
    wep('w7', { node: 'node2', namespace: 'ns2', ips: ['10.65.1.7'], labels: {} }),
    gnp('team-blue', { selector: "pcns.team == 'blue'", ingress: [{ action: 'Deny', source: { selector: "pcns.team == 'blue'" } }] }),
  ],
  expected: {
    ipSets: { [sel("pcns.team == 'blue'")]: ['10.65.0.6', '10.65.1.7'] },
    policies: ['gnp/team-blue'],
    profiles: ['kns.ns2'],
    endpoints: { 'ns2/w6': 'default(Deny) in=[gnp/team-blue] out=[] ; profiles=kns.ns2' },
    routes: { '10.65.0.6/32': 'local-workload caliw6' },
  },
};

export const hostEndpoints: State = {
  name: 'host endpoint with untracked, preDNAT, forward and normal policies',
  kvs: [
    hep('h1', { iface: 'eth0', ips: ['192.168.0.1'], labels: { role: 'host' } }),
    hep('h2', { node: 'node2', iface: 'eth0', ips: ['192.168.0.2'], labels: { role: 'host' } }),
    gnp('untracked', {
      selector: "role == 'host'",
      doNotTrack: true,
      applyOnForward: true,
      types: ['Ingress', 'Egress'],
      ingress: [{ action: 'Allow' }],
      egress: [{ action: 'Allow' }],
    }),
    gnp('prednat', { selector: "role == 'host'", preDNAT: true, applyOnForward: true, ingress: [{ action: 'Deny', source: { nets: ['10.0.0.0/8'] } }] }),
    gnp('fwd', { selector: "role == 'host'", applyOnForward: true, ingress: [{ action: 'Allow' }] }),
    gnp('host-normal', { selector: "role == 'host'", egress: [{ action: 'Allow' }] }),
    gnp('to-hosts', { selector: "role == 'host'", egress: [{ action: 'Allow', destination: { selector: "role == 'host'" } }] }),
  ],
  expected: {
    ipSets: { [sel("role == 'host'")]: ['192.168.0.1', '192.168.0.2'] },
    policies: ['gnp/fwd', 'gnp/host-normal', 'gnp/prednat', 'gnp/to-hosts', 'gnp/untracked'],
    endpoints: {
      h1: [
        'normal: default(Deny) in=[gnp/fwd] out=[gnp/host-normal,gnp/to-hosts]',
        'untracked: default(Pass) in=[gnp/untracked] out=[gnp/untracked]',
        'preDNAT: default(Pass) in=[gnp/prednat] out=[]',
        'forward: default(Deny) in=[gnp/fwd] out=[]',
        'profiles=',
      ].join(' ; '),
    },
  },
};

export const routesAndPools: State = {
  name: 'IPAM blocks, nodes and pools',
  kvs: [
    nsProfile('ns1'),
    w1,
    block('10.65.0.0/26', 'node1'),
    block('10.65.1.0/26', 'node2'),
    block('10.65.2.0/26', 'node3'),
    block('10.65.3.0/26', undefined),
    node('node2', '192.168.0.2'),
    ippool('pool1', '10.65.0.0/16', { natOutgoing: true, vxlanMode: 'Always' }),
    ippool('pool2', '10.70.0.0/16', { disabled: true }),
  ],
  expected: {
    profiles: ['kns.ns1'],
    endpoints: { 'ns1/w1': ' ; profiles=kns.ns1' },
    routes: {
      ...w1Route,
      '10.65.0.0/26': 'local-block',
      '10.65.1.0/26': 'remote-block node2 via 192.168.0.2',
      '10.65.2.0/26': 'remote-block node3',
    },
    pools: { pool1: '10.65.0.0/16 nat vxlan=Always', pool2: '10.70.0.0/16 vxlan=Never disabled' },
  },
};

export const felixConfiguration: State = {
  name: 'FelixConfiguration default and per-node',
  kvs: [
    felixConfig('default', { defaultEndpointToHostAction: 'Accept', logPrefix: 'calico-drop', interfacePrefix: 'cali,tap' }),
    felixConfig('node.node1', { defaultEndpointToHostAction: 'Return', iptablesRefreshInterval: '1m30s' }),
    felixConfig('node.node2', { interfacePrefix: 'veth' }),
  ],
  expected: {
    config: { defaultEndpointToHostAction: 'Return', logPrefix: 'calico-drop', refreshIntervalSeconds: 90, interfacePrefixes: ['cali', 'tap'] },
  },
};

export const stagedMissingTierInvalid: State = {
  name: 'staged policy, policy in a tier with no Tier object, invalid policy',
  kvs: [
    nsProfile('ns1'),
    w1,
    sgnp('staged', { selector: "app == 'web'", ingress: [{ action: 'Deny' }] }),
    gnp('in-missing', { tier: 'missing', selector: 'all()', ingress: [{ action: 'Allow' }] }),
    gnp('broken', { selector: "app == 'web", ingress: [{ action: 'Allow' }] }),
  ],
  expected: {
    policies: ['gnp/in-missing', 'sgnp/staged'],
    profiles: ['kns.ns1'],
    endpoints: { 'ns1/w1': 'default(Deny) in=[sgnp/staged] out=[] | missing(Deny) in=[gnp/in-missing] out=[] ; profiles=kns.ns1' },
    routes: w1Route,
  },
};

export const remoteOnly: State = {
  name: 'policies that select only remote endpoints',
  kvs: [nsProfile('ns1'), remoteDb, gnp('db-only', { selector: "app == 'db'", ingress: [{ action: 'Allow', source: { selector: 'all()' } }] })],
  expected: {},
};

export const missingProfile: State = {
  name: 'endpoint listing a profile that does not exist',
  kvs: [wep('w8', { ips: ['10.65.0.8'], profiles: ['kns.ns1', 'nonexistent'] }), profile('unused', { ingress: [{ action: 'Allow' }] })],
  expected: {
    profiles: ['kns.ns1', 'nonexistent'],
    endpoints: { 'ns1/w8': ' ; profiles=kns.ns1,nonexistent' },
    routes: { '10.65.0.8/32': 'local-workload caliw8' },
  },
};

export const movedWorkload: State = {
  name: 'workload of the same name now on another node',
  kvs: [
    nsProfile('ns1'),
    wep('w1', { node: 'node2', ips: ['10.65.1.1'], labels: { app: 'web' } }),
    wep('w9', { ips: ['10.65.0.9'], labels: { app: 'db' } }),
    gnp('allow-db', { selector: "app == 'web'", ingress: [{ action: 'Allow', source: { selector: "app == 'db'" } }] }),
    gnp('db-egress', { selector: "app == 'db'", egress: [{ action: 'Allow', destination: { selector: "app == 'web'" } }] }),
  ],
  expected: {
    ipSets: { [sel("app == 'web'")]: ['10.65.1.1'] },
    policies: ['gnp/db-egress'],
    profiles: ['kns.ns1'],
    endpoints: { 'ns1/w9': 'default(Deny) in=[] out=[gnp/db-egress] ; profiles=kns.ns1' },
    routes: { '10.65.0.9/32': 'local-workload caliw9' },
  },
};

export const baseStates: State[] = [
  wepOnly,
  allowFromDb,
  tiersAndNamespaces,
  namedPorts,
  networkSets,
  profileLabels,
  hostEndpoints,
  routesAndPools,
  felixConfiguration,
  stagedMissingTierInvalid,
  remoteOnly,
  missingProfile,
  movedWorkload,
];
