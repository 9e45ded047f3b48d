/**
 * Pure half of the IPAM garbage collector: given a snapshot of blocks, Nodes and
 * WorkloadEndpoints, decide which allocations are still owned by something that exists.
 */
import type { CalicoNode, WorkloadEndpoint } from '../api/types.js';
import { affinityHost, allocatedOrdinals, attributeFor, blockCIDR, ordinalToIPString, sequenceNumberFor } from './block.js';
import { normaliseIP } from './ip.js';
import { ATTR_NAMESPACE, ATTR_NODE, ATTR_POD, ATTR_TYPE, type IPAMBlock } from './types.js';

/** Handle Calico uses for addresses Windows nodes reserve; never garbage. */
export const WINDOWS_RESERVED_HANDLE = 'windows-reserved-ipam-handle';

export type AllocationStatus =
  /** Owned by something that exists (or we cannot tell: missing pod/namespace attributes). */
  | 'valid'
  /** Pod gone, moved to another node, or the address is in no WorkloadEndpoint: released after the grace period. */
  | 'leak'
  /** The node it was assigned on no longer exists: released at once. */
  | 'nodeGone';

export interface AllocationRecord {
  ip: string;
  blockCIDR: string;
  handleId: string | undefined;
  sequenceNumber: number;
  node: string | undefined;
  attrs: Record<string, string>;
  status: AllocationStatus;
}

export interface ClusterSnapshot {
  nodes: CalicoNode[];
  weps: WorkloadEndpoint[];
}

export interface OwnerIndex {
  nodes: Set<string>;
  /** `<namespace>/<pod>` -> nodes its endpoints are on. */
  podNodes: Map<string, Set<string>>;
  /** Every address some WorkloadEndpoint carries. */
  wepIPs: Set<string>;
}

export function indexOwners(snap: ClusterSnapshot): OwnerIndex {
  const podNodes = new Map<string, Set<string>>();
  const wepIPs = new Set<string>();
  for (const w of snap.weps) {
    const pod = w.spec?.pod ?? w.spec?.workload;
    if (pod) {
      const key = `${w.metadata.namespace ?? ''}/${pod}`;
      let s = podNodes.get(key);
      if (!s) podNodes.set(key, (s = new Set()));
      s.add(w.spec?.node ?? '');
    }
    for (const n of w.spec?.ipNetworks ?? []) {
      const ip = normaliseIP(n);
      if (ip) wepIPs.add(ip);
    }
  }
  return { nodes: new Set(snap.nodes.map((n) => n.metadata.name)), podNodes, wepIPs };
}

function statusOf(ip: string, handleId: string | undefined, node: string | undefined, attrs: Record<string, string>, owners: OwnerIndex): AllocationStatus {
  if (handleId === WINDOWS_RESERVED_HANDLE || node === undefined) return 'valid';
  if (!owners.nodes.has(node)) return 'nodeGone';
  // Tunnel addresses belong to the node itself, which exists.
  if ((attrs[ATTR_TYPE] ?? '').endsWith('TunnelAddress')) return 'valid';
  const pod = attrs[ATTR_POD];
  const ns = attrs[ATTR_NAMESPACE];
  if (!pod || !ns) return 'valid';
  const podNodes = owners.podNodes.get(`${ns}/${pod}`);
  if (!podNodes || !podNodes.has(node)) return 'leak';
  return owners.wepIPs.has(ip) ? 'valid' : 'leak';
}

/** Every allocation in the blocks, classified against the owners that exist. */
export function classifyAllocations(blocks: IPAMBlock[], owners: OwnerIndex): AllocationRecord[] {
  const out: AllocationRecord[] = [];
  for (const b of blocks) {
    const spec = b.spec!;
    const c = blockCIDR(spec);
    for (const ord of allocatedOrdinals(spec)) {
      const attr = attributeFor(spec, ord);
      const attrs = { ...(attr?.secondary ?? {}) };
      const ip = ordinalToIPString(c, ord);
      const node = attrs[ATTR_NODE] || affinityHost(spec.affinity);
      out.push({
        ip, blockCIDR: spec.cidr, handleId: attr?.handle_id, sequenceNumber: sequenceNumberFor(spec, ord), node, attrs,
        status: statusOf(ip, attr?.handle_id, node, attrs, owners),
      });
    }
  }
  return out;
}

/** Identity of one allocation instance: a re-allocation of the same address gets a new key. */
export function allocationKey(a: Pick<AllocationRecord, 'ip' | 'handleId' | 'sequenceNumber'>): string {
  return `${a.ip}|${a.handleId ?? ''}|${a.sequenceNumber}`;
}

