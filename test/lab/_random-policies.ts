/**
 * fast-check generator of small random Calico policy sets over the netpol pods: NetworkPolicy and
 * GlobalNetworkPolicy in the default tier, with selectors, namespace selectors, nets, ports, protocols,
 * orders and all four actions. Source ports are never constrained (the kernel picks them).
 */
import fc from 'fast-check';
import type { Resource } from '../../src/api/types.js';
import type { PodInfo } from '../netpol/model.js';

const SELECTORS = ["pod == 'a'", "pod in {'a', 'b'}", "pod != 'c'", 'all()', 'has(pod)', "pod == 'b' || pod == 'c'"];
const NS_SELECTORS = ["ns == 'x'", "ns in {'y', 'z'}", 'all()', "ns != 'z'"];

function entity(pods: PodInfo[]): fc.Arbitrary<Record<string, unknown>> {
  const ip = fc.constantFrom(...pods.map((p) => `${p.ip}/32`));
  return fc.oneof(
    fc.constant({}),
    fc.record({ selector: fc.constantFrom(...SELECTORS) }),
    fc.record({ namespaceSelector: fc.constantFrom(...NS_SELECTORS) }),
    fc.record({ selector: fc.constantFrom(...SELECTORS), namespaceSelector: fc.constantFrom(...NS_SELECTORS) }),
    fc.record({ notSelector: fc.constantFrom(...SELECTORS) }),
    fc.record({ nets: fc.array(ip, { minLength: 1, maxLength: 3 }) }),
    fc.record({ notNets: fc.array(ip, { minLength: 1, maxLength: 2 }) }),
  );
}

function rule(pods: PodInfo[], peerSide: 'source' | 'destination'): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({
      action: fc.constantFrom('Allow', 'Allow', 'Deny', 'Pass', 'Log'),
      protocol: fc.constantFrom(undefined, 'TCP', 'UDP'),
      ports: fc.constantFrom(undefined, [80], [81], [80, 81], ['80:81']),
      peer: entity(pods),
    })
    .map(({ action, protocol, ports, peer }) => {
      const r: Record<string, unknown> = { action };
      if (protocol) r.protocol = protocol;
      const dst: Record<string, unknown> = peerSide === 'destination' ? { ...peer } : {};
      if (protocol && ports) dst.ports = ports;
      if (peerSide === 'source' && Object.keys(peer).length > 0) r.source = peer;
      if (Object.keys(dst).length > 0) r.destination = dst;
      return r;
    });
}

export function randomPolicies(pods: PodInfo[]): fc.Arbitrary<Resource[]> {
  const policy = fc.record({
    global: fc.boolean(),
    namespace: fc.constantFrom('x', 'y', 'z'),
    selector: fc.constantFrom(...SELECTORS),
    order: fc.constantFrom(undefined, 10, 100, 1000),
    types: fc.constantFrom<string[]>(['Ingress'], ['Egress'], ['Ingress', 'Egress']),
    ingress: fc.array(rule(pods, 'source'), { maxLength: 3 }),
    egress: fc.array(rule(pods, 'destination'), { maxLength: 3 }),
  });
  return fc.array(policy, { minLength: 1, maxLength: 4 }).map((ps) =>
    ps.map((p, i) => {
      const spec: Record<string, unknown> = { selector: p.selector, types: p.types };
      if (p.order !== undefined) spec.order = p.order;
      if (p.types.includes('Ingress')) spec.ingress = p.ingress;
      if (p.types.includes('Egress')) spec.egress = p.egress;
      const metadata = p.global ? { name: `rnd-${i}` } : { name: `rnd-${i}`, namespace: p.namespace };
      return { apiVersion: 'projectcalico.org/v3', kind: p.global ? 'GlobalNetworkPolicy' : 'NetworkPolicy', metadata, spec } as Resource;
    }),
  );
}
