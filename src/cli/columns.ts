/**
 * The columns `calicoctl get` prints per kind: the default (`ps`) and `wide` heading sets and how each
 * cell is drawn from a resource, following calicoctl's resourcemgr table templates.
 */
import type { Resource } from '../api/types.js';
import { goBool, goJoin, goValue } from './table.js';

/** What a cell may need beyond the resource itself (looked up once per table). */
export interface CellContext {
  /** The cluster's default AS number (BGPConfiguration `default`, else 64512) for Nodes without their own. */
  defaultASNumber: string;
}

export type Cell = (r: Resource, ctx: CellContext) => string;

export interface KindColumns {
  ps: readonly string[];
  wide: readonly string[];
  cells: Readonly<Record<string, Cell>>;
}

type Obj = Record<string, unknown>;

function spec(r: Resource): Obj {
  return (r.spec ?? {}) as Obj;
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

/** numorstring.ASNumber prints as plain decimal; "a.b" asdot becomes a*65536+b. */
function asn(v: unknown): string {
  if (v === undefined || v === null || v === '') return '0';
  if (typeof v === 'string' && v.includes('.')) {
    const [hi, lo] = v.split('.').map(Number) as [number, number];
    return String(hi * 65536 + lo);
  }
  return String(v);
}

function name(r: Resource): string {
  return r.metadata.name;
}

function namespace(r: Resource): string {
  return str(r.metadata.namespace);
}

const policyCells: Record<string, Cell> = {
  NAME: name,
  NAMESPACE: namespace,
  TIER: (r) => str(spec(r)['tier']),
  ORDER: (r) => goValue(spec(r)['order']),
  SELECTOR: (r) => str(spec(r)['selector']),
};
const policyColumns: KindColumns = { ps: ['NAME', 'TIER'], wide: ['NAME', 'TIER', 'ORDER', 'SELECTOR'], cells: policyCells };

const nameOnly: KindColumns = { ps: ['NAME'], wide: ['NAME'], cells: { NAME: name } };

/** k8s LabelSelector in kubectl's text form: `app=web,tier in (a,b)`. */
function labelSelectorText(sel: unknown): string {
  if (sel === undefined || sel === null) return '';
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  const parts = Object.entries(s.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`);
  }
  return parts.length === 0 ? '<none>' : parts.join(',');
}

const COLUMNS: Record<string, KindColumns> = {
  IPPool: {
    ps: ['NAME', 'CIDR', 'SELECTOR'],
    wide: ['NAME', 'CIDR', 'NAT', 'IPIPMODE', 'VXLANMODE', 'DISABLED', 'DISABLEBGPEXPORT', 'SELECTOR', 'ASSIGNMENTMODE'],
    cells: {
      NAME: name,
      CIDR: (r) => str(spec(r)['cidr']),
      NAT: (r) => goBool(spec(r)['natOutgoing']),
      IPIPMODE: (r) => str(spec(r)['ipipMode']) || 'Never',
      VXLANMODE: (r) => str(spec(r)['vxlanMode']) || 'Never',
      DISABLED: (r) => goBool(spec(r)['disabled']),
      DISABLEBGPEXPORT: (r) => goBool(spec(r)['disableBGPExport']),
      SELECTOR: (r) => str(spec(r)['nodeSelector']),
      ASSIGNMENTMODE: (r) => str(spec(r)['assignmentMode']),
    },
  },
  Node: {
    ps: ['NAME'],
    wide: ['NAME', 'ASN', 'IPV4', 'IPV6'],
    cells: {
      NAME: name,
      ASN: (r, c) => {
        const bgp = spec(r)['bgp'] as Obj | undefined;
        if (bgp === undefined || bgp === null) return '';
        return bgp['asNumber'] !== undefined && bgp['asNumber'] !== null ? asn(bgp['asNumber']) : `(${c.defaultASNumber})`;
      },
      IPV4: (r) => str((spec(r)['bgp'] as Obj | undefined)?.['ipv4Address']),
      IPV6: (r) => str((spec(r)['bgp'] as Obj | undefined)?.['ipv6Address']),
    },
  },
  NetworkPolicy: policyColumns,
  GlobalNetworkPolicy: policyColumns,
  StagedNetworkPolicy: policyColumns,
  StagedGlobalNetworkPolicy: policyColumns,
  StagedKubernetesNetworkPolicy: {
    ps: ['NAME'],
    wide: ['NAME', 'PODSELECTOR'],
    cells: { NAME: name, NAMESPACE: namespace, PODSELECTOR: (r) => labelSelectorText(spec(r)['podSelector']) },
  },
  Tier: { ps: ['NAME', 'ORDER'], wide: ['NAME', 'ORDER'], cells: { NAME: name, ORDER: (r) => goValue(spec(r)['order']) } },
  HostEndpoint: {
    ps: ['NAME', 'NODE'],
    wide: ['NAME', 'NODE', 'INTERFACE', 'IPS', 'PROFILES'],
    cells: {
      NAME: name,
      NODE: (r) => str(spec(r)['node']),
      INTERFACE: (r) => str(spec(r)['interfaceName']),
      IPS: (r) => goJoin(spec(r)['expectedIPs'], ','),
      PROFILES: (r) => goJoin(spec(r)['profiles'], ','),
    },
  },
  WorkloadEndpoint: {
    ps: ['WORKLOAD', 'NODE', 'NETWORKS', 'INTERFACE'],
    wide: ['NAME', 'WORKLOAD', 'NODE', 'NETWORKS', 'INTERFACE', 'PROFILES', 'NATS'],
    cells: {
      NAME: name,
      NAMESPACE: namespace,
      NODE: (r) => str(spec(r)['node']),
      ORCHESTRATOR: (r) => str(spec(r)['orchestrator']),
      WORKLOAD: (r) => str(spec(r)['workload']) || str(spec(r)['pod']),
      NETWORKS: (r) => goJoin(spec(r)['ipNetworks'], ','),
      NATS: (r) =>
        goJoin(
          ((spec(r)['ipNATs'] ?? []) as Array<{ internalIP?: string; externalIP?: string }>).map((n) => ({
            internalIP: n.internalIP ?? '',
            externalIP: n.externalIP ?? '',
          })),
          ',',
        ),
      PROFILES: (r) => goJoin(spec(r)['profiles'], ','),
      INTERFACE: (r) => str(spec(r)['interfaceName']),
    },
  },
  BGPPeer: {
    ps: ['NAME', 'PEERIP', 'NODE', 'ASN'],
    wide: ['NAME', 'PEERIP', 'NODE', 'ASN'],
    cells: {
      NAME: name,
      PEERIP: (r) => str(spec(r)['peerIP']),
      NODE: (r) => str(spec(r)['node']) || str(spec(r)['nodeSelector']) || '(global)',
      ASN: (r) => asn(spec(r)['asNumber']),
    },
  },
  BGPConfiguration: {
    ps: ['NAME', 'LOGSEVERITY', 'MESHENABLED', 'ASNUMBER'],
    wide: ['NAME', 'LOGSEVERITY', 'MESHENABLED', 'ASNUMBER'],
    cells: {
      NAME: name,
      LOGSEVERITY: (r) => str(spec(r)['logSeverityScreen']),
      MESHENABLED: (r) => {
        const v = spec(r)['nodeToNodeMeshEnabled'];
        return v === undefined || v === null ? '-' : goBool(v);
      },
      ASNUMBER: (r) => {
        const v = spec(r)['asNumber'];
        return v === undefined || v === null || v === 0 || v === '' ? '-' : asn(v);
      },
    },
  },
  BGPFilter: {
    ps: ['NAME', 'NUMEXPORTV4', 'NUMIMPORTV4', 'NUMEXPORTV6', 'NUMIMPORTV6'],
    wide: ['NAME', 'NUMEXPORTV4', 'NUMIMPORTV4', 'NUMEXPORTV6', 'NUMIMPORTV6'],
    cells: {
      NAME: name,
      NUMEXPORTV4: (r) => String(((spec(r)['exportV4'] ?? []) as unknown[]).length),
      NUMIMPORTV4: (r) => String(((spec(r)['importV4'] ?? []) as unknown[]).length),
      NUMEXPORTV6: (r) => String(((spec(r)['exportV6'] ?? []) as unknown[]).length),
      NUMIMPORTV6: (r) => String(((spec(r)['importV6'] ?? []) as unknown[]).length),
    },
  },
  NetworkSet: {
    ps: ['NAME'],
    wide: ['NAME', 'NETS'],
    cells: { NAME: name, NAMESPACE: namespace, NETS: (r) => goJoin(spec(r)['nets'], ',', 80) },
  },
  GlobalNetworkSet: { ps: ['NAME'], wide: ['NAME', 'NETS'], cells: { NAME: name, NETS: (r) => goJoin(spec(r)['nets'], ',', 80) } },
  Profile: { ps: ['NAME'], wide: ['NAME', 'LABELS'], cells: { NAME: name, LABELS: (r) => goJoin(spec(r)['labelsToApply'], ',') } },
  IPReservation: {
    ps: ['NAME'],
    wide: ['NAME', 'CIDRS'],
    cells: { NAME: name, CIDRS: (r) => goJoin(spec(r)['reservedCIDRs'], ',', 80) },
  },
  IPAMConfiguration: {
    ps: ['NAME', 'STRICTAFFINITY', 'AUTOALLOCATEBLOCKS'],
    wide: ['NAME', 'STRICTAFFINITY', 'AUTOALLOCATEBLOCKS', 'MAXBLOCKSPERHOST'],
    cells: {
      NAME: name,
      STRICTAFFINITY: (r) => goBool(spec(r)['strictAffinity']),
      AUTOALLOCATEBLOCKS: (r) => goBool(spec(r)['autoAllocateBlocks']),
      MAXBLOCKSPERHOST: (r) => String(spec(r)['maxBlocksPerHost'] ?? 0),
    },
  },
  ClusterInformation: {
    ps: ['NAME', 'CLUSTERGUID', 'CLUSTERTYPE', 'CALICOVERSION', 'DATASTOREREADY'],
    wide: ['NAME', 'CLUSTERGUID', 'CLUSTERTYPE', 'CALICOVERSION', 'DATASTOREREADY'],
    cells: {
      NAME: name,
      CLUSTERGUID: (r) => str(spec(r)['clusterGUID']),
      CLUSTERTYPE: (r) => str(spec(r)['clusterType']),
      CALICOVERSION: (r) => str(spec(r)['calicoVersion']),
      DATASTOREREADY: (r) => goValue(spec(r)['datastoreReady']),
    },
  },
  FelixConfiguration: nameOnly,
  KubeControllersConfiguration: nameOnly,
};

/**
 * The column set for a kind (a NAME-only table for kinds calicoctl has no template for).
 * @example columnsFor('IPPool').ps // ['NAME', 'CIDR', 'SELECTOR']
 */
export function columnsFor(kind: string): KindColumns {
  return COLUMNS[kind] ?? nameOnly;
}

/**
 * Header plus one row per resource. NAMESPACE is prepended when asked for and the kind has it
 * (namespaced kinds only), as calicoctl does for `-A` and `-n`.
 */
export function tableRows(kind: string, resources: readonly Resource[], opts: { wide: boolean; printNamespace: boolean; cellContext: CellContext }): string[][] {
  const cols = columnsFor(kind);
  const headings = [...(opts.wide ? cols.wide : cols.ps)];
  if (opts.printNamespace && cols.cells['NAMESPACE'] !== undefined) headings.unshift('NAMESPACE');
  const rows: string[][] = [headings];
  for (const r of resources) rows.push(headings.map((h) => (cols.cells[h] as Cell)(r, opts.cellContext)));
  return rows;
}

