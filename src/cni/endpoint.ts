/**
 * The WorkloadEndpoint a successful ADD records for a pod (pure).
 */
import { API_VERSION, type WorkloadEndpoint } from '../api/types.js';
import { LABEL_NAMESPACE, LABEL_ORCHESTRATOR, LABEL_SERVICE_ACCOUNT } from '../api/labels.js';
import type { NetConf } from './netconf.js';
import type { WorkloadIDs } from './names.js';


export interface EndpointInputs {
  ids: WorkloadIDs;
  conf: NetConf;
  /** CIDRs as the WEP stores them: `/32` and `/128`. */
  ipNetworks: string[];
  containerMac: string;
}

/**
 * Profiles as Calico's CNI plugin sets them: with `policy.type: k8s`, the namespace profile
 * `kns.<ns>` (and `ksa.<ns>.<sa>` when a service account is known); otherwise one profile named
 * after the network.
 */
export function profilesFor(conf: NetConf, ids: WorkloadIDs): string[] {
  if (conf.policyType !== 'k8s') return [conf.name];
  const out = [`kns.${ids.namespace}`];
  if (conf.serviceAccountName) out.push(`ksa.${ids.namespace}.${conf.serviceAccountName}`);
  return out;
}

/**
 * @example buildWorkloadEndpoint({ ids, conf, ipNetworks: ['10.65.0.5/32'], containerMac: '0a:58:0a:41:00:05' })
 */
export function buildWorkloadEndpoint(inp: EndpointInputs): WorkloadEndpoint {
  const { ids, conf } = inp;
  const labels: Record<string, string> = {
    ...conf.labels,
    [LABEL_NAMESPACE]: ids.namespace,
    [LABEL_ORCHESTRATOR]: ids.orchestrator,
  };
  if (conf.serviceAccountName) labels[LABEL_SERVICE_ACCOUNT] = conf.serviceAccountName;
  const spec: NonNullable<WorkloadEndpoint['spec']> = {
    orchestrator: ids.orchestrator,
    node: ids.node,
    containerID: ids.containerId,
    ...(ids.orchestrator === 'k8s' ? { pod: ids.workload } : { workload: ids.workload }),
    endpoint: ids.endpoint,
    ipNetworks: inp.ipNetworks,
    profiles: profilesFor(conf, ids),
    interfaceName: ids.hostVeth,
    mac: inp.containerMac,
  };
  if (conf.serviceAccountName) spec.serviceAccountName = conf.serviceAccountName;
  return {
    apiVersion: API_VERSION,
    kind: 'WorkloadEndpoint',
    metadata: { name: ids.wepName, namespace: ids.namespace, labels },
    spec,
  };
}
