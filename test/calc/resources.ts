/**
 * Small builders for the datastore objects the calc-graph scenarios use. Each returns an Update
 * (kind, key, value) as the syncer would deliver it.
 */
import type { Resource } from '../../src/api/types.js';
import { resourceKey, type ResourceUpdate } from '../../src/calc/types.js';

const API = 'projectcalico.org/v3';

function kv(kind: string, name: string, spec: unknown, opts: { namespace?: string; labels?: Record<string, string> } = {}): ResourceUpdate {
  const metadata: Resource['metadata'] = { name };
  if (opts.namespace) metadata.namespace = opts.namespace;
  if (opts.labels) metadata.labels = opts.labels;
  const value: Resource = { apiVersion: API, kind, metadata, spec };
  return { kind, key: resourceKey(value), value };
}

export interface WepOptions {
  node?: string;
  namespace?: string;
  labels?: Record<string, string>;
  ips?: string[];
  profiles?: string[];
  ports?: Array<{ name: string; protocol: string; port: number }>;
  iface?: string;
  mac?: string;
}

export function wep(name: string, opts: WepOptions = {}): ResourceUpdate {
  const ns = opts.namespace ?? 'ns1';
  return kv(
    'WorkloadEndpoint',
    name,
    {
      orchestrator: 'k8s',
      node: opts.node ?? 'node1',
      pod: name,
      endpoint: 'eth0',
      interfaceName: opts.iface ?? `cali${name}`.slice(0, 15),
      ipNetworks: (opts.ips ?? []).map((ip) => (ip.includes('/') ? ip : ip.includes(':') ? `${ip}/128` : `${ip}/32`)),
      profiles: opts.profiles ?? [`kns.${ns}`],
      ...(opts.ports ? { ports: opts.ports } : {}),
      ...(opts.mac ? { mac: opts.mac } : {}),
    },
    { namespace: ns, labels: opts.labels ?? {} },
  );
}

export function hep(name: string, opts: { node?: string; iface?: string; ips?: string[]; labels?: Record<string, string>; profiles?: string[] } = {}): ResourceUpdate {
  return kv(
    'HostEndpoint',
    name,
    { node: opts.node ?? 'node1', interfaceName: opts.iface ?? 'eth0', expectedIPs: opts.ips ?? [], profiles: opts.profiles ?? [] },
    { labels: opts.labels ?? {} },
  );
}

export function gnp(name: string, spec: Record<string, unknown>): ResourceUpdate {
  return kv('GlobalNetworkPolicy', name, spec);
}

export function np(namespace: string, name: string, spec: Record<string, unknown>): ResourceUpdate {
  return kv('NetworkPolicy', name, spec, { namespace });
}

export function sgnp(name: string, spec: Record<string, unknown>): ResourceUpdate {
  return kv('StagedGlobalNetworkPolicy', name, spec);
}

export function tier(name: string, order: number | undefined, defaultAction?: 'Deny' | 'Pass'): ResourceUpdate {
  return kv('Tier', name, { ...(order === undefined ? {} : { order }), ...(defaultAction ? { defaultAction } : {}) });
}

export function profile(name: string, spec: Record<string, unknown> = {}): ResourceUpdate {
  return kv('Profile', name, spec);
}

/** The `kns.<ns>` profile Calico derives from a namespace: allow-all plus pcns labels. */
export function nsProfile(ns: string, labels: Record<string, string> = {}): ResourceUpdate {
  const labelsToApply: Record<string, string> = { 'pcns.projectcalico.org/name': ns };
  for (const [k, v] of Object.entries(labels)) labelsToApply[`pcns.${k}`] = v;
  return profile(`kns.${ns}`, { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }], labelsToApply });
}

export function netset(name: string, nets: string[], labels: Record<string, string> = {}, namespace?: string): ResourceUpdate {
  return kv(namespace ? 'NetworkSet' : 'GlobalNetworkSet', name, { nets }, { labels, ...(namespace ? { namespace } : {}) });
}

export function ippool(name: string, cidr: string, opts: { natOutgoing?: boolean; vxlanMode?: string; disabled?: boolean } = {}): ResourceUpdate {
  return kv('IPPool', name, { cidr, ...opts });
}

export function block(cidr: string, node: string | undefined): ResourceUpdate {
  return kv('IPAMBlock', cidr.replace('/', '-'), { cidr, ...(node ? { affinity: `host:${node}` } : {}) });
}

export function node(name: string, ipv4: string): ResourceUpdate {
  return kv('Node', name, { bgp: { ipv4Address: `${ipv4}/24` } });
}

export function felixConfig(name: string, spec: Record<string, unknown>): ResourceUpdate {
  return kv('FelixConfiguration', name, spec);
}
