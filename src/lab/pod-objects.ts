/**
 * Datastore objects the lab writes around a pod, standing in for what Kubernetes would provide:
 * the namespace's and service account's profiles, and the pod-spec details (named ports, service
 * account) a Kubernetes datastore adds to the endpoint the CNI plugin writes.
 */
import { LABEL_NAMESPACE, LABEL_ORCHESTRATOR, LABEL_SERVICE_ACCOUNT } from '../api/labels.js';
import type { Resource, WorkloadEndpoint } from '../api/types.js';
import type { Datastore } from '../datastore/types.js';
import { NotFoundError } from '../lib/errors.js';
import { serviceAccountProfile } from '../policy/labels.js';
import { applyResource } from './apply.js';
import type { LabPod } from './state.js';

export interface NamedPort {
  name: string;
  protocol: string;
  port: number;
}

async function exists(ds: Datastore, key: { kind: string; name: string }): Promise<boolean> {
  try {
    await ds.get(key);
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

/** `kns.<namespace>` (from a Namespace) and `ksa.<namespace>.<serviceAccount>`, when missing. */
export async function ensureNamespaceProfiles(ds: Datastore, namespace: string, serviceAccount: string): Promise<void> {
  if (!(await exists(ds, { kind: 'Profile', name: `kns.${namespace}` }))) {
    await applyResource(ds, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'kubernetes.io/metadata.name': namespace } } });
  }
  // Kubernetes gives every namespace a `default` ServiceAccount; the plugin names its profile on the endpoint.
  const sa = serviceAccountProfile({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace } });
  if (!(await exists(ds, { kind: 'Profile', name: sa.metadata.name }))) await applyResource(ds, sa);
}

/**
 * Sets the endpoint's labels to the pod's (plus Calico's own), its service account, and (when given)
 * its named ports, keeping everything the plugin wrote. Retries on a concurrent update.
 */
export async function completeEndpoint(ds: Datastore, p: LabPod, serviceAccount: string, ports?: NamedPort[]): Promise<void> {
  const key = { kind: 'WorkloadEndpoint', namespace: p.namespace, name: p.workloadEndpoint };
  for (let attempt = 0; ; attempt++) {
    const cur = await ds.get<WorkloadEndpoint>(key);
    const spec = { ...cur.spec!, serviceAccountName: serviceAccount } as NonNullable<WorkloadEndpoint['spec']> & { ports?: NamedPort[] };
    if (ports && ports.length > 0) spec.ports = ports;
    const labels = {
      ...p.labels,
      [LABEL_NAMESPACE]: p.namespace,
      [LABEL_ORCHESTRATOR]: 'k8s',
      [LABEL_SERVICE_ACCOUNT]: serviceAccount,
    };
    try {
      await ds.update({ ...cur, metadata: { ...cur.metadata, labels }, spec } as Resource);
      return;
    } catch (err) {
      // Written meanwhile (e.g. a repeated ADD): read again.
      if ((err as { code?: string }).code !== 'CALICO_ERR_CONFLICT' || attempt >= 5) throw err;
    }
  }
}
