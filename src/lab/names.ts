/** Calico's names for pod wiring and endpoints, plus the lab's namespacing of netns names. */
import { createHash } from 'node:crypto';

/** Host-side veth, as Calico's CNI plugin names it: `cali` + first 11 hex of sha1("<namespace>.<pod>"). */
export function hostVethName(namespace: string, pod: string, prefix = 'cali'): string {
  return prefix + createHash('sha1').update(`${namespace}.${pod}`).digest('hex').slice(0, 11);
}

/** Calico's WorkloadEndpoint name `<node>-k8s-<pod>-<endpoint>`, dashes doubled inside each part. */
export function workloadEndpointName(node: string, pod: string, endpoint = 'eth0'): string {
  const esc = (s: string): string => s.replace(/-/g, '--');
  return `${esc(node)}-k8s-${esc(pod)}-${esc(endpoint)}`;
}

export function nodeNetnsName(lab: string, node: string): string {
  return `${lab}-${node}`;
}

export function podNetnsName(lab: string, namespace: string, pod: string): string {
  return `${lab}-pod-${namespace}-${pod}`;
}

export function underlayNetnsName(lab: string): string {
  return `${lab}-ul`;
}

/** `x/a` → ['x', 'a']; a bare name is in namespace `default`. */
export function parsePodRef(ref: string): { namespace: string; pod: string } {
  const parts = ref.split('/');
  if (parts.length > 2 || parts.some((p) => !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(p))) {
    throw new RangeError(`Cannot parse pod "${ref}": expected <namespace>/<pod> with DNS-label names`);
  }
  return parts.length === 2 ? { namespace: parts[0]!, pod: parts[1]! } : { namespace: 'default', pod: parts[0]! };
}
