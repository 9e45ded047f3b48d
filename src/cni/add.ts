/**
 * CNI ADD for the calico plugin: addresses, then the veth pair and routes, then the
 * WorkloadEndpoint. Anything failing part-way undoes what this call did, in reverse order.
 *
 * Hold points (see holdPoint): after-datastore, after-ipam, after-wiring, after-wep.
 */
import type { WorkloadEndpoint } from '../api/types.js';
import type { Datastore } from '../datastore/types.js';
import type { IPAMClient } from '../ipam/ipam-client.js';
import { randomBytes } from '../lib/random.js';
import { datastoreReady, openCniDatastore } from './datastore.js';
import { buildWorkloadEndpoint } from './endpoint.js';
import { holdPoint } from './errors.js';
import { determineMTU, determineNodename } from './host.js';
import { CALICO_IPAM, assignCalico, execIPAM, newIPAMClient, releaseCalico } from './ipam.js';
import { cniDataplane, hostLinkExists, netnsExists } from './dataplane.js';
import { randomMac, workloadIDs, type WorkloadIDs } from './names.js';
import type { NetConf } from './netconf.js';
import { buildAddResult } from './result.js';
import { CNI_ERR, CniError, type CniEnv, type CniResult } from './types.js';

export const ANNOTATION_HW_ADDR = 'cni.projectcalico.org/hwAddr';

/** The IPAM step and its undo, whichever plugin does it. */
interface AddressSource {
  assign(): Promise<string[]>;
  release(): Promise<void>;
}

function addressSource(conf: NetConf, env: CniEnv, ids: WorkloadIDs, ipam: IPAMClient | undefined): AddressSource {
  if (ipam) {
    return {
      assign: () => assignCalico(ipam, conf, env, ids, Date.now()),
      release: async () => { await releaseCalico(ipam, ids); },
    };
  }
  return {
    assign: async () => {
      const r = await execIPAM(conf, env, 'ADD');
      const ips = (r?.ips ?? []).map((ip) => ip.address.replace(/\/\d+$/, '') + (ip.address.includes(':') ? '/128' : '/32'));
      if (ips.length === 0) throw new CniError(CNI_ERR.INTERNAL, `IPAM plugin ${conf.ipam.type} returned no addresses`);
      return ips;
    },
    release: async () => { await execIPAM(conf, env, 'DEL'); },
  };
}

/** Creates the WorkloadEndpoint, or replaces an older one for the same pod (a recreated sandbox). */
async function writeEndpoint(ds: Datastore, wep: WorkloadEndpoint): Promise<'created' | 'updated'> {
  try {
    await ds.create(wep);
    return 'created';
  } catch (err) {
    if ((err as { code?: string }).code !== 'CALICO_ERR_ALREADY_EXISTS') throw err;
  }
  const old = await ds.get<WorkloadEndpoint>({ kind: 'WorkloadEndpoint', name: wep.metadata.name, namespace: wep.metadata.namespace! });
  await ds.update({ ...wep, metadata: { ...wep.metadata, resourceVersion: old.metadata.resourceVersion! } });
  return 'updated';
}

/**
 * @example const result = await cmdAdd(parseNetConf(stdin), parseCniEnv(process.env), process.env);
 */
export async function cmdAdd(conf: NetConf, env: CniEnv, procEnv: NodeJS.ProcessEnv): Promise<CniResult> {
  if (!conf.ipam.type) throw new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, 'network config field "ipam.type" is required');
  if (!netnsExists(env.netns)) throw new CniError(CNI_ERR.INVALID_ENV, `CNI_NETNS: network namespace ${env.netns} does not exist`);
  const node = determineNodename(conf, procEnv);
  const ids = workloadIDs(env, conf.name, node);
  const mtu = determineMTU(conf);
  const containerMac = conf.annotations[ANNOTATION_HW_ADDR] ?? randomMac(randomBytes(6));
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(containerMac)) {
    throw new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, `annotation ${ANNOTATION_HW_ADDR}: invalid MAC address "${containerMac}"`);
  }

  // The links need no address: create them now (on the ip path, start `ip` now so its start-up
  // overlaps ours: datastore, IPAM). A failure surfaces in complete(), inside the rollback below.
  const dataplane = await cniDataplane(procEnv);
  const wiring = dataplane.wirePod({
    hostVeth: ids.hostVeth,
    containerIf: env.ifName,
    containerMac,
    netns: env.netns,
    mtu,
    deleteStale: hostLinkExists(ids.hostVeth),
  });
  let ds: Datastore | undefined;
  let source: AddressSource | undefined;
  let addresses: string[] | undefined;
  let reused: string[] | undefined;
  let wep: 'created' | 'updated' | undefined;
  try {
    ds = await openCniDatastore(conf, procEnv);
    if (!(await datastoreReady(ds))) {
      throw new CniError(CNI_ERR.TRY_AGAIN_LATER, 'Calico is currently not ready to process requests: ClusterInformation "default" has datastoreReady=false');
    }
    await holdPoint('after-datastore', procEnv);
    const existing = await ds.get<WorkloadEndpoint>({ kind: 'WorkloadEndpoint', name: ids.wepName, namespace: ids.namespace }).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'CALICO_ERR_NOT_FOUND') return undefined;
      throw err;
    });
    if (existing?.spec?.containerID === env.containerId && existing.spec.ipNetworks?.length) {
      // The runtime repeats an ADD for the same container (e.g. after a timeout): keep its addresses, rewire.
      reused = existing.spec.ipNetworks;
    } else {
      source = addressSource(conf, env, ids, conf.ipam.type === CALICO_IPAM ? await newIPAMClient(ds) : undefined);
    }
    addresses = reused ?? (await source!.assign());
    await holdPoint('after-ipam', procEnv);
    await wiring.complete(addresses);
    await holdPoint('after-wiring', procEnv);
    wep = await writeEndpoint(ds, buildWorkloadEndpoint({ ids, conf, ipNetworks: addresses, containerMac }));
    await holdPoint('after-wep', procEnv);
    return buildAddResult(conf.cniVersion, { hostVeth: ids.hostVeth, containerIf: env.ifName, containerMac, netns: env.netns, mtu, addresses });
  } catch (err) {
    // Undo in reverse; each step best-effort, so one failure does not strand the others.
    if (wep === 'created') {
      await ds!.delete({ kind: 'WorkloadEndpoint', name: ids.wepName, namespace: ids.namespace }).catch(() => undefined);
    }
    // Any stale veth was deleted before ours was added, so a host veth by this name now is ours;
    // deleting it takes the pod end with it.
    await wiring.abort();
    await dataplane.deleteHostLink(ids.hostVeth).catch(() => undefined);
    if (addresses && source) await source.release().catch(() => undefined);
    throw err;
  }
  // The datastore is not closed: the process exits as soon as the result is printed, and closing
  // the embedded database would checkpoint its WAL on ADD's critical path. Committed writes are
  // already durable in the WAL; the next writer checkpoints.
}
