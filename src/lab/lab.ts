/**
 * calico-lab's operations: nodes and pods as network namespaces on this host, Felix agents inside the node
 * namespaces, calico-kube-controllers for the cluster, and the datastore objects a real cluster would have.
 * Pods are networked by our `calico` CNI plugin, run as a container runtime runs it (see cni.ts): the
 * plugin takes the address from Calico IPAM (or the one asked for) and writes the WorkloadEndpoint.
 *
 * Topology: one underlay netns `<lab>-ul` with bridge br0 (172.31.0.254/24, no default route, so nothing
 * leaves the lab); node i is netns `<lab>-node<i>` with eth0 172.31.0.<i>/24, forwarding on and a default
 * route via .254 (needed for proxy ARP to answer the pods). Pods on other nodes are reached by static /32
 * routes via the owning node (the lab's stand-in for BGP).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Datastore, DatastoreConfig } from '../datastore/types.js';
import { applyResource, deleteIfPresent } from './apply.js';
import { CNI_ERR, type CniResult } from '../cni/types.js';
import { cniAdd, cniDel, firstIPv4, LabCniError, labNetworkConfig, newContainerId, type PodCniCall } from './cni.js';
import { ensureDefaultPool } from './default-pool.js';
import { completeEndpoint, ensureNamespaceProfiles } from './pod-objects.js';
import { entryArgv } from './entry.js';
import { deleteNetns, ipBatch, netnsExists, nsSysctl, runCommand } from './exec.js';
import { hostVethName, nodeNetnsName, parsePodRef, podNetnsName, underlayNetnsName, workloadEndpointName } from './names.js';
import { unwirePod } from './pod-wiring.js';
import { httpStatusInNetns, isOurs, startDetached, startInNetns, stopProcess } from './processes.js';
import { probeMatrix, type ProbeOptions, type ProbeResult } from './probe.js';
import { parseServeList } from './serve.js';
import { loadState, saveState, type LabNode, type LabPod, type LabState } from './state.js';

export { applyResource } from './apply.js';

export const HEALTH_PORT = 9099;
const AGENT_MARKER = 'node/main';
const SERVER_MARKER = 'pod-server';
const KUBE_CONTROLLERS_MARKER = 'kube-controllers/main';
/** GC pass interval: short, so a leakGracePeriod applied later takes effect within seconds. */
export const KUBE_CONTROLLERS_INTERVAL = '1s';
export const DEFAULT_SERVE = 'tcp:80,tcp:81,udp:80,udp:81';
/** Every lab pod runs as its namespace's `default` service account. */
const SERVICE_ACCOUNT = 'default';
/** ADD attempts per pod when the plugin says "try again later". */
const ADD_ATTEMPTS = 5;

export interface LabOptions {
  name: string;
  stateDir: string;
  datastore: Datastore;
  datastoreConfig: DatastoreConfig;
  env?: NodeJS.ProcessEnv;
}

export interface UpOptions {
  /** CIDR of `default-ipv4-ippool`, created when the datastore has no pool (default 10.65.0.0/16). */
  poolCidr?: string;
}

export interface PodSpec {
  ref: string;
  node?: string;
  labels?: Record<string, string>;
  /** Requested address (CNI_ARGS IP=); else Calico IPAM picks one. */
  ip?: string;
  /** Ports to serve; '' runs no server (and the pod cannot be a probe source). */
  serve?: string;
}

/** Unix socket paths are limited to 107 bytes; long state dirs fall back to a hashed name in /tmp. */
function controlSocketPath(stateDir: string, namespace: string, pod: string): string {
  const path = join(stateDir, `pod-${namespace}-${pod}.sock`);
  return Buffer.byteLength(path) <= 100 ? path : join(tmpdir(), `calico-lab-${createHash('sha1').update(path).digest('hex').slice(0, 16)}.sock`);
}

function datastoreEnv(c: DatastoreConfig): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { DATASTORE_TYPE: c.type };
  if (c.dataDir) env.CALICO_DATA_DIR = c.dataDir;
  if (c.etcdEndpoints) env.ETCD_ENDPOINTS = c.etcdEndpoints.join(',');
  if (c.etcdUsername) env.ETCD_USERNAME = c.etcdUsername;
  if (c.etcdPassword) env.ETCD_PASSWORD = c.etcdPassword;
  return env;
}

export class Lab {
  readonly name: string;
  readonly stateDir: string;
  readonly #ds: Datastore;
  readonly #dsConfig: DatastoreConfig;
  readonly #env: NodeJS.ProcessEnv;
  /** Pods whose ADD is running, and namespaces whose profile is being made (concurrent createPod calls). */
  readonly #creating = new Set<string>();
  readonly #namespaces = new Map<string, Promise<void>>();
  state: LabState;
  /** ADDs tried again after a temporary failure, since this object was made (reported by tests). */
  addRetries = 0;

  constructor(options: LabOptions) {
    if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(options.name)) {
      throw new RangeError(`Cannot use lab name "${options.name}": use 1-31 lower-case letters, digits and dashes`);
    }
    this.name = options.name;
    this.stateDir = options.stateDir;
    this.#ds = options.datastore;
    this.#dsConfig = options.datastoreConfig;
    this.#env = options.env ?? process.env;
    this.state = loadState(options.stateDir) ?? { name: options.name, underlay: underlayNetnsName(options.name), nodes: [], pods: {} };
  }

  #save(): void {
    saveState(this.stateDir, this.state);
  }

  node(name: string): LabNode {
    const n = this.state.nodes.find((x) => x.name === name);
    if (!n) throw new RangeError(`Cannot find node "${name}" in lab "${this.name}": nodes are ${this.state.nodes.map((x) => x.name).join(', ') || 'none'}`);
    return n;
  }

  pod(ref: string): LabPod {
    const { namespace, pod } = parsePodRef(ref);
    const p = this.state.pods[`${namespace}/${pod}`];
    if (!p) throw new RangeError(`Cannot find pod "${namespace}/${pod}" in lab "${this.name}"`);
    return p;
  }

  /**
   * Create the underlay and nodes 1..count (existing ones are kept), the default IP pool when there is
   * none, start the agents and the lab's calico-kube-controllers, and wait until the agents are ready.
   */
  async up(count: number, options: UpOptions = {}): Promise<void> {
    if (!Number.isInteger(count) || count < 1 || count > 200) throw new RangeError(`Cannot create ${count} nodes: use 1 to 200`);
    mkdirSync(this.stateDir, { recursive: true });
    await ensureDefaultPool(this.#ds, options.poolCidr);
    const ul = this.state.underlay;
    if (!(await netnsExists(ul))) {
      await runCommand('ip', ['netns', 'add', ul]);
      await ipBatch(ul, ['link set lo up', 'link add br0 type bridge', 'addr add 172.31.0.254/24 dev br0', 'link set br0 up']);
    }
    for (let i = 1; i <= count; i++) {
      const name = `node${i}`;
      if (this.state.nodes.some((n) => n.name === name)) continue;
      const node: LabNode = { name, netns: nodeNetnsName(this.name, name), ip: `172.31.0.${i}`, healthPort: HEALTH_PORT };
      if (!(await netnsExists(node.netns))) await runCommand('ip', ['netns', 'add', node.netns]);
      const peer = `to-${name}`.slice(0, 15);
      await runCommand('ip', ['link', 'add', 'eth0', 'netns', node.netns, 'type', 'veth', 'peer', 'name', peer, 'netns', ul]);
      await ipBatch(ul, [`link set ${peer} master br0 up`]);
      await ipBatch(node.netns, ['link set lo up', `addr add ${node.ip}/24 dev eth0`, 'link set eth0 up', 'route add default via 172.31.0.254']);
      await nsSysctl(node.netns, ['net.ipv4.ip_forward=1']);
      await applyResource(this.#ds, { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name }, spec: { bgp: { ipv4Address: `${node.ip}/24` } } });
      this.state.nodes.push(node);
      this.#save();
      // Routes to pods already on other nodes.
      await ipBatch(node.netns, Object.values(this.state.pods).map((p) => `route replace ${p.ip}/32 via ${this.node(p.node).ip} dev eth0`));
    }
    for (const node of this.state.nodes) {
      if (!node.agentPid || !isOurs(node.agentPid, AGENT_MARKER)) await this.startAgent(node.name);
    }
    if (!this.state.kubeControllersPid || !isOurs(this.state.kubeControllersPid, KUBE_CONTROLLERS_MARKER)) await this.startKubeControllers();
    await Promise.all(this.state.nodes.map((n) => this.waitReady(n.name)));
  }

  async startAgent(nodeName: string): Promise<void> {
    const node = this.node(nodeName);
    const env: NodeJS.ProcessEnv = {
      ...this.#env,
      ...datastoreEnv(this.#dsConfig),
      NODENAME: node.name,
      FELIX_HEALTHENABLED: 'true',
      FELIX_HEALTHHOST: '127.0.0.1',
      FELIX_HEALTHPORT: String(node.healthPort),
    };
    node.agentPid = await startInNetns(node.netns, [...entryArgv('../node/main'), 'felix'], { env, logFile: join(this.stateDir, `${node.name}-felix.log`) });
    this.#save();
  }

  /**
   * calico-kube-controllers as a cluster runs it: periodic IPAM GC, leak grace period from
   * KubeControllersConfiguration `default` (re-read every pass).
   */
  async startKubeControllers(): Promise<void> {
    this.state.kubeControllersPid = await startDetached([...entryArgv('../kube-controllers/main'), `--interval=${KUBE_CONTROLLERS_INTERVAL}`], {
      env: { ...this.#env, ...datastoreEnv(this.#dsConfig) },
      logFile: join(this.stateDir, 'kube-controllers.log'),
    });
    this.#save();
  }

  async stopKubeControllers(): Promise<void> {
    await stopProcess(this.state.kubeControllersPid, KUBE_CONTROLLERS_MARKER);
    delete this.state.kubeControllersPid;
    this.#save();
  }

  async stopAgent(nodeName: string): Promise<void> {
    const node = this.node(nodeName);
    await stopProcess(node.agentPid, AGENT_MARKER);
    delete node.agentPid;
    this.#save();
  }

  /** Poll the agent's /readiness until 200 (it is ready once in sync and the dataplane is programmed). */
  async waitReady(nodeName: string, timeoutMs = 30_000): Promise<void> {
    const node = this.node(nodeName);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await httpStatusInNetns(node.netns, node.healthPort, '/readiness')) === 200) return;
      if (node.agentPid && !isOurs(node.agentPid, AGENT_MARKER)) {
        throw new Error(`Felix on ${node.name} exited; see ${join(this.stateDir, `${node.name}-felix.log`)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Felix on ${node.name} not ready after ${timeoutMs} ms; see ${join(this.stateDir, `${node.name}-felix.log`)}`);
  }

  #cniCall(p: LabPod, node: LabNode): PodCniCall {
    return {
      nodeNetns: node.netns, podNetns: p.netns, containerId: p.containerId!, namespace: p.namespace, pod: p.pod,
      config: labNetworkConfig({ nodeName: node.name, datastore: this.#dsConfig, labels: p.labels, serviceAccountName: SERVICE_ACCOUNT }),
      env: this.#env,
    };
  }

  /**
   * A pod as kubelet makes one: sandbox netns, CNI ADD (address from IPAM unless `ip` is given; the plugin
   * wires the veth and writes the WorkloadEndpoint), then the workload (the server) once eth0 exists.
   */
  async createPod(spec: PodSpec): Promise<LabPod> {
    const { namespace, pod } = parsePodRef(spec.ref);
    const id = `${namespace}/${pod}`;
    if (this.state.pods[id] || this.#creating.has(id)) throw new RangeError(`Cannot create pod "${id}": it already exists in lab "${this.name}"`);
    const node = this.node(spec.node ?? this.state.nodes[0]?.name ?? 'node1');
    const serve = spec.serve ?? DEFAULT_SERVE;
    const ports = parseServeList(serve);
    const p: LabPod = {
      namespace, pod, node: node.name, netns: podNetnsName(this.name, namespace, pod), iface: hostVethName(namespace, pod), ip: '',
      labels: spec.labels ?? {}, serve, workloadEndpoint: workloadEndpointName(node.name, pod), containerId: newContainerId(),
    };
    this.#creating.add(id);
    try {
      await this.#ensureNamespaceProfile(namespace);
      await runCommand('ip', ['netns', 'add', p.netns]);
      try {
        await ipBatch(p.netns, ['link set lo up']);
        p.cniResult = await this.#addWithRetry(p, node, spec.ip);
      } catch (err) {
        await deleteNetns(p.netns);
        throw err;
      }
      p.ip = firstIPv4(p.cniResult);
      this.state.pods[id] = p;
      this.#save();
    } finally {
      this.#creating.delete(id);
    }
    await Promise.all(this.state.nodes.filter((o) => o.name !== node.name).map((o) => ipBatch(o.netns, [`route replace ${p.ip}/32 via ${node.ip} dev eth0`])));
    if (ports.length > 0) {
      // The server also answers probe requests from inside the pod.
      p.controlSocket = controlSocketPath(this.stateDir, namespace, pod);
      p.serverPid = await startInNetns(p.netns, [...entryArgv('./pod-server'), id, serve, p.controlSocket], {
        env: this.#env, logFile: join(this.stateDir, `pod-${namespace}-${pod}.log`), waitForLine: 'ready',
      });
      this.#save();
    }
    // Only a serving pod has ports to add: a write from this process blocks its event loop while other
    // pods' plugins hold the datastore, so pods without ports keep the plugin's endpoint as it is.
    if (ports.length > 0) await completeEndpoint(this.#ds, p, SERVICE_ACCOUNT, ports.map((x) => ({ name: `serve-${x.port}-${x.protocol}`, protocol: x.protocol.toUpperCase(), port: x.port })));
    return p;
  }

  /**
   * ADD as kubelet drives it: a failure the plugin calls temporary (CNI code 11, e.g. the datastore
   * busy) is cleaned up with DEL and tried again after a backoff; anything else fails the pod.
   */
  async #addWithRetry(p: LabPod, node: LabNode, ip: string | undefined): Promise<CniResult> {
    const call = this.#cniCall(p, node);
    for (let attempt = 1; ; attempt++) {
      try {
        return await cniAdd(call, ip);
      } catch (err) {
        if (!(err instanceof LabCniError) || err.cni.code !== CNI_ERR.TRY_AGAIN_LATER || attempt >= ADD_ATTEMPTS) throw err;
        this.addRetries++;
        await cniDel(call, undefined);
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt * (0.5 + Math.random())));
      }
    }
  }

  /** The namespace's and its default service account's profiles, once, even when many pods of it are created at once. */
  #ensureNamespaceProfile(namespace: string): Promise<void> {
    let pending = this.#namespaces.get(namespace);
    if (!pending) {
      pending = ensureNamespaceProfiles(this.#ds, namespace, SERVICE_ACCOUNT);
      pending.catch(() => this.#namespaces.delete(namespace));
      this.#namespaces.set(namespace, pending);
    }
    return pending;
  }

  /** Replace a pod's own labels (the endpoint's Calico labels are kept). */
  async setPodLabels(ref: string, labels: Record<string, string>): Promise<void> {
    const p = this.pod(ref);
    p.labels = { ...labels };
    this.#save();
    await completeEndpoint(this.#ds, p, SERVICE_ACCOUNT);
  }

  /** Stop the workload, CNI DEL (releases the address, removes the veth and the endpoint), remove the sandbox. */
  async deletePod(ref: string): Promise<void> {
    const p = this.pod(ref);
    await stopProcess(p.serverPid, SERVER_MARKER);
    const node = this.state.nodes.find((n) => n.name === p.node);
    if (node && p.containerId) {
      await cniDel(this.#cniCall(p, node), p.cniResult);
      await deleteNetns(p.netns);
    } else {
      // Recorded by a lab without CNI (or its node is gone): undo by hand.
      await deleteIfPresent(this.#ds, { kind: 'WorkloadEndpoint', namespace: p.namespace, name: p.workloadEndpoint });
      if (node) await unwirePod({ nodeNetns: node.netns, podNetns: p.netns, hostIface: p.iface });
      else await deleteNetns(p.netns);
    }
    await Promise.all(this.state.nodes.filter((o) => o.name !== p.node).map((o) => runCommand('ip', ['-n', o.netns, 'route', 'del', `${p.ip}/32`], { check: false })));
    delete this.state.pods[`${p.namespace}/${p.pod}`];
    this.#save();
  }

  probe(options: ProbeOptions): Promise<ProbeResult> {
    return probeMatrix(Object.values(this.state.pods), options);
  }

  /** Run a command in a pod's netns with inherited stdio; resolves its exit code. */
  exec(ref: string, argv: string[]): Promise<number> {
    const p = this.pod(ref);
    return new Promise((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', p.netns, ...argv], { stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  }

  /** deletePod; when its DEL fails the netns goes anyway (teardown must finish). Resolves the error, if any. */
  async #forceDeletePod(ref: string): Promise<string | undefined> {
    try {
      await this.deletePod(ref);
      return undefined;
    } catch (err) {
      const p = this.state.pods[ref]!;
      await stopProcess(p.serverPid, SERVER_MARKER);
      await deleteNetns(p.netns);
      delete this.state.pods[ref];
      this.#save();
      return (err as Error).message;
    }
  }

  /** Stop everything this lab started and remove its namespaces and datastore objects. */
  async down(): Promise<void> {
    if (this.state.nodes.length === 0 && Object.keys(this.state.pods).length === 0 && !(await netnsExists(this.state.underlay))) return;
    await this.stopKubeControllers();
    const failures: string[] = [];
    const refs = Object.keys(this.state.pods);
    // A few DELs at a time, as a runtime tears pods down in parallel too.
    await Promise.all(Array.from({ length: Math.min(8, refs.length) }, async () => {
      for (let ref = refs.shift(); ref !== undefined; ref = refs.shift()) {
        const err = await this.#forceDeletePod(ref);
        if (err) failures.push(err);
      }
    }));
    for (const node of this.state.nodes) {
      await stopProcess(node.agentPid, AGENT_MARKER);
      await deleteNetns(node.netns);
      await deleteIfPresent(this.#ds, { kind: 'Node', name: node.name });
    }
    await deleteNetns(this.state.underlay);
    this.state = { name: this.name, underlay: this.state.underlay, nodes: [], pods: {} };
    this.#save();
    if (failures.length > 0) throw new Error(`Lab "${this.name}" is down, but some pod DELs failed: ${failures.join('; ')}`);
  }
}
