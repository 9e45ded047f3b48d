/**
 * HostEndpoint, WorkloadEndpoint, NetworkSet and GlobalNetworkSet (hostendpoint.go, workloadendpoint, networkset.go).
 */
import { LABEL_NAMESPACE } from '../labels.js';
import type { Resource } from '../types.js';
import { checkCIDR, checkEnum, checkIP, checkName, checkPort } from './common.js';
import { at, fail, isObject, isSet, type Errors } from './field-errors.js';

const ENDPOINT_PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const NAMED_PORT_RE = /^[a-zA-Z0-9_.-]{1,128}$/;
const MAC_RE = /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/;

function isInterfaceName(s: string): boolean {
  return s.length > 0 && s.length <= 15 && !/[\s/:]/.test(s) && s !== '.' && s !== '..';
}

function checkEndpointPorts(ports: unknown, path: string, errs: Errors, withHost: boolean): void {
  if (!Array.isArray(ports)) return;
  ports.forEach((port, i) => {
    if (!isObject(port)) return;
    const p = at(path, i);
    const name = port['name'];
    if (!isSet(name)) fail(errs, at(p, 'name'), 'port name is required');
    else if (typeof name === 'string' && !NAMED_PORT_RE.test(name)) fail(errs, at(p, 'name'), 'invalid port name', name);
    if (!isSet(port['protocol'])) fail(errs, at(p, 'protocol'), 'protocol is required');
    else checkEnum(port['protocol'], ENDPOINT_PROTOCOLS, at(p, 'protocol'), errs);
    if (port['port'] === undefined || port['port'] === null) fail(errs, at(p, 'port'), 'port is required');
    else checkPort(port['port'], at(p, 'port'), errs);
    if (!withHost) return;
    const hostPort = port['hostPort'];
    if (typeof hostPort === 'number' && (hostPort < 0 || hostPort > 65535)) fail(errs, at(p, 'hostPort'), 'must be between 0 and 65535', hostPort);
    if (isSet(port['hostIP'])) checkIP(port['hostIP'], at(p, 'hostIP'), errs);
  });
}

function checkProfiles(profiles: unknown, path: string, errs: Errors): void {
  if (Array.isArray(profiles)) profiles.forEach((p, i) => checkName(p, at(path, i), errs));
}

export function validateHostEndpoint(r: Resource, errs: Errors): void {
  const spec = isObject(r.spec) ? r.spec : {};
  if (!isSet(spec['node'])) fail(errs, 'spec.node', 'node is required');
  else checkName(spec['node'], 'spec.node', errs);
  const iface = spec['interfaceName'];
  const ips = spec['expectedIPs'];
  if (!isSet(iface) && !isSet(ips)) fail(errs, 'spec.interfaceName', 'one of interfaceName or expectedIPs is required');
  if (typeof iface === 'string' && iface !== '' && iface !== '*' && !isInterfaceName(iface)) {
    fail(errs, 'spec.interfaceName', 'interfaceName must be "*" or an interface name of at most 15 characters', iface);
  }
  if (Array.isArray(ips)) ips.forEach((ip, i) => checkIP(ip, at('spec.expectedIPs', i), errs));
  checkProfiles(spec['profiles'], 'spec.profiles', errs);
  checkEndpointPorts(spec['ports'], 'spec.ports', errs, false);
}

/** Calico's WEP name: `<node>-<orchestrator>-<pod|workload>-<endpoint>`, each part with "-" doubled. */
export function workloadEndpointName(spec: { node?: string; orchestrator?: string; pod?: string; workload?: string; endpoint?: string }): string | undefined {
  const middle = spec.orchestrator === 'k8s' ? spec.pod : spec.workload;
  const parts = [spec.node, spec.orchestrator, middle, spec.endpoint];
  if (parts.some((p) => typeof p !== 'string' || p === '')) return undefined;
  return (parts as string[]).map((p) => p.replace(/-/g, '--')).join('-');
}

export function validateWorkloadEndpoint(r: Resource, errs: Errors): void {
  const spec = isObject(r.spec) ? r.spec : {};
  const expected = workloadEndpointName(spec as Parameters<typeof workloadEndpointName>[0]);
  if (expected !== undefined && r.metadata?.name !== expected) {
    fail(errs, 'metadata.name', `WorkloadEndpoint name does not match its node, orchestrator, workload and endpoint: expected "${expected}"`, r.metadata?.name);
  }
  const nets = spec['ipNetworks'];
  if (Array.isArray(nets)) {
    nets.forEach((n, i) => {
      const c = checkCIDR(n, at('spec.ipNetworks', i), errs, { allowIP: true });
      if (c !== undefined && c.prefix !== c.bits) fail(errs, at('spec.ipNetworks', i), 'workload IP networks must be /32 (IPv4) or /128 (IPv6)', n);
    });
  }
  const nats = spec['ipNATs'];
  if (Array.isArray(nats)) {
    nats.forEach((nat, i) => {
      if (!isObject(nat)) return;
      for (const f of ['internalIP', 'externalIP'] as const) {
        if (!isSet(nat[f])) fail(errs, `spec.ipNATs[${i}].${f}`, `${f} is required`);
        else checkIP(nat[f], `spec.ipNATs[${i}].${f}`, errs);
      }
    });
  }
  if (isSet(spec['ipv4Gateway'])) checkIP(spec['ipv4Gateway'], 'spec.ipv4Gateway', errs, 4);
  if (isSet(spec['ipv6Gateway'])) checkIP(spec['ipv6Gateway'], 'spec.ipv6Gateway', errs, 6);
  const iface = spec['interfaceName'];
  if (typeof iface === 'string' && iface !== '' && !isInterfaceName(iface)) {
    fail(errs, 'spec.interfaceName', 'interfaceName must be an interface name of at most 15 characters', iface);
  }
  const mac = spec['mac'];
  if (typeof mac === 'string' && mac !== '' && !MAC_RE.test(mac)) fail(errs, 'spec.mac', 'invalid MAC address', mac);
  const spoof = spec['allowSpoofedSourcePrefixes'];
  if (Array.isArray(spoof)) spoof.forEach((s, i) => checkCIDR(s, at('spec.allowSpoofedSourcePrefixes', i), errs, { allowIP: true }));
  checkProfiles(spec['profiles'], 'spec.profiles', errs);
  checkEndpointPorts(spec['ports'], 'spec.ports', errs, true);
}

export function validateNetworkSet(r: Resource, errs: Errors): void {
  const spec = isObject(r.spec) ? r.spec : {};
  const nets = spec['nets'];
  if (Array.isArray(nets)) nets.forEach((n, i) => checkCIDR(n, at('spec.nets', i), errs, { allowIP: true }));
  const labels = r.metadata?.labels;
  if (isObject(labels) && LABEL_NAMESPACE in labels) {
    fail(errs, `metadata.labels[${LABEL_NAMESPACE}]`, `the label ${LABEL_NAMESPACE} is reserved for Calico's use`);
  }
}
