/**
 * CNI 1.1.0 STATUS and GC for the calico plugins.
 * STATUS: ready when the datastore answers and ClusterInformation does not say datastoreReady=false.
 * GC: this node's WorkloadEndpoints and `<network>.<containerID>` IPAM handles whose container is
 * not among the runtime's `cni.dev/valid-attachments` are removed/released.
 */
import type { WorkloadEndpoint } from '../api/types.js';
import type { Datastore } from '../datastore/types.js';
import { datastoreReady, openCniDatastore } from './datastore.js';
import { determineNodename } from './host.js';
import { newIPAMClient } from './ipam.js';
import { compareVersions, type NetConf } from './netconf.js';
import { CNI_ERR, CniError } from './types.js';

function needs110(conf: NetConf, command: string): void {
  if (compareVersions(conf.cniVersion, '1.1.0') < 0) {
    throw new CniError(CNI_ERR.INCOMPATIBLE_VERSION, `${command} needs cniVersion 1.1.0 or later (config is "${conf.cniVersion}")`);
  }
}

export async function cmdStatus(conf: NetConf, procEnv: NodeJS.ProcessEnv): Promise<void> {
  needs110(conf, 'STATUS');
  let ds: Datastore;
  try {
    ds = await openCniDatastore(conf, procEnv);
  } catch (err) {
    throw new CniError(CNI_ERR.NOT_AVAILABLE, 'Calico datastore is not reachable', (err as Error).message);
  }
  try {
    if (!(await datastoreReady(ds))) throw new CniError(CNI_ERR.NOT_AVAILABLE, 'Calico is currently not ready to process requests: ClusterInformation "default" has datastoreReady=false');
  } catch (err) {
    if (err instanceof CniError) throw err;
    throw new CniError(CNI_ERR.NOT_AVAILABLE, 'Calico datastore is not reachable', (err as Error).message);
  } finally {
    await ds.close().catch(() => undefined);
  }
}

export interface GCOutcome {
  deletedEndpoints: string[];
  releasedHandles: string[];
}

/** Handles of allocations on `node` under `<network>.`, from every block. */
async function handlesOnNode(ds: Datastore, network: string, node: string): Promise<Set<string>> {
  const ipam = await newIPAMClient(ds);
  const out = new Set<string>();
  for (const b of await ipam.store.listBlocks()) {
    const spec = b.spec!;
    const used = new Set(spec.allocations.filter((a): a is number => a !== null));
    for (const i of used) {
      const attr = spec.attributes[i];
      if (attr?.handle_id?.startsWith(`${network}.`) && attr.secondary?.node === node) out.add(attr.handle_id);
    }
  }
  return out;
}

export async function cmdGC(conf: NetConf, procEnv: NodeJS.ProcessEnv): Promise<GCOutcome> {
  needs110(conf, 'GC');
  if (!conf.validAttachments) throw new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, 'network config field "cni.dev/valid-attachments" is required for GC');
  const node = determineNodename(conf, procEnv);
  const valid = new Set(conf.validAttachments.map((a) => `${a.containerID}/${a.ifname}`));
  const validContainers = new Set(conf.validAttachments.map((a) => a.containerID.toLowerCase()));
  const ds = await openCniDatastore(conf, procEnv);
  const outcome: GCOutcome = { deletedEndpoints: [], releasedHandles: [] };
  try {
    const weps = await ds.list<WorkloadEndpoint>({ kind: 'WorkloadEndpoint' });
    for (const w of weps.items) {
      const s = w.spec ?? {};
      if (s.node !== node || !s.containerID || valid.has(`${s.containerID}/${s.endpoint ?? ''}`)) continue;
      try {
        await ds.delete({ kind: 'WorkloadEndpoint', name: w.metadata.name, namespace: w.metadata.namespace! }, { resourceVersion: w.metadata.resourceVersion! });
        outcome.deletedEndpoints.push(`${w.metadata.namespace}/${w.metadata.name}`);
      } catch (err) {
        // Changed or gone since the list: someone else owns it now.
        if (!['CALICO_ERR_NOT_FOUND', 'CALICO_ERR_CONFLICT'].includes((err as { code?: string }).code ?? '')) throw err;
      }
    }
    const ipam = await newIPAMClient(ds);
    for (const h of await handlesOnNode(ds, conf.name, node)) {
      if (validContainers.has(h.slice(conf.name.length + 1).toLowerCase())) continue;
      await ipam.releaseByHandle(h);
      outcome.releasedHandles.push(h);
    }
  } finally {
    await ds.close().catch(() => undefined);
  }
  return outcome;
}
