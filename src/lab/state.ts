/**
 * The lab's record of what it built (nodes, pods, PIDs), kept as JSON in its state directory so that
 * later `calico-lab` invocations (and `down`) know what to tear down.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CniResult } from '../cni/types.js';
import type { DatastoreConfig } from '../datastore/types.js';

export interface LabNode {
  name: string;
  netns: string;
  /** Underlay address (no prefix). */
  ip: string;
  agentPid?: number;
  healthPort: number;
}

export interface LabPod {
  namespace: string;
  pod: string;
  node: string;
  netns: string;
  iface: string;
  ip: string;
  labels: Record<string, string>;
  /** `tcp:80,udp:81`; empty when the pod runs no server (`--no-serve`). */
  serve: string;
  serverPid?: number;
  /** The sandbox container ID the CNI plugin was called with (its IPAM handle is `k8s-pod-network.<id>`). */
  containerId?: string;
  /** The plugin's ADD result, handed back as prevResult on DEL (libcni keeps it in its cache). */
  cniResult?: CniResult;
  /** The pod server's probe socket (Unix, path-named). */
  controlSocket?: string;
  workloadEndpoint: string;
}

export interface LabState {
  name: string;
  underlay: string;
  nodes: LabNode[];
  pods: Record<string, LabPod>;
  /** The lab's calico-kube-controllers (IPAM garbage collection). */
  kubeControllersPid?: number;
}

/** `--state-dir`, else $CALICO_LAB_STATE_DIR/<name>, else <data dir>/lab/<name> (embedded) or /run/calico-lab/<name>. */
export function stateDirFor(name: string, ds: DatastoreConfig, explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  if (env.CALICO_LAB_STATE_DIR) return join(env.CALICO_LAB_STATE_DIR, name);
  if (ds.type === 'embedded' && ds.dataDir) return join(ds.dataDir, 'lab', name);
  return join('/run/calico-lab', name);
}

export function loadState(dir: string): LabState | undefined {
  const file = join(dir, 'state.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as LabState;
}

export function saveState(dir: string, state: LabState): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, 'state.json.tmp');
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, join(dir, 'state.json'));
}
