/**
 * Parsing and validating what a runtime hands a plugin: the CNI_* environment and the network
 * configuration on stdin (Calico's NetConf). Pure: callers pass the env and the stdin bytes.
 */
import {
  CNI_COMMANDS, CNI_ERR, CniError, SUPPORTED_VERSIONS,
  type CniAttachment, type CniCommand, type CniEnv, type CniResult,
} from './types.js';

export interface IPAMConf {
  type: string;
  /** Calico spells these as strings "true"/"false"; booleans are accepted too. */
  assign_ipv4: boolean;
  assign_ipv6: boolean;
  ipv4_pools: string[];
  ipv6_pools: string[];
  /** The whole `ipam` object, handed unchanged to a delegated IPAM plugin. */
  raw: Record<string, unknown>;
}

export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  nodename?: string;
  nodename_file: string;
  nodename_file_optional: boolean;
  /** 0 = not configured: the MTU file Felix writes, else 1500. */
  mtu: number;
  ipam: IPAMConf;
  datastore_type?: string;
  etcd_endpoints?: string;
  etcd_username?: string;
  etcd_password?: string;
  /** Our addition: the embedded datastore's directory (else CALICO_DATA_DIR, else /var/lib/calico). */
  calico_data_dir?: string;
  policyType?: string;
  allowIPForwarding: boolean;
  /** Pod labels (`args.cni.labels`, a list of {key, value}). */
  labels: Record<string, string>;
  /** Pod annotations (`args.cni.annotations`, list of {key, value} or a map), e.g. `cni.projectcalico.org/ipAddrs`. */
  annotations: Record<string, string>;
  serviceAccountName?: string;
  runtimeConfig: Record<string, unknown>;
  prevResult?: CniResult;
  validAttachments?: CniAttachment[];
  /** The parsed JSON, for delegating to an IPAM plugin. */
  raw: Record<string, unknown>;
}

export const DEFAULT_NODENAME_FILE = '/var/lib/calico/nodename';
export const DEFAULT_MTU_FILE = '/var/lib/calico/mtu';

/** Which CNI_* variables each command needs (spec "Parameters" table). */
const REQUIRED_ENV: Record<CniCommand, string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  VERSION: [],
  STATUS: [],
  GC: [],
};

/** `A=1;B=2` -> {A: '1', B: '2'}; a pair without `=` is an error, as in libcni's args parser. */
export function parseCniArgs(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const pair of text.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CniError(CNI_ERR.INVALID_ENV, `CNI_ARGS: invalid pair "${pair}"`, 'expected KEY=VALUE pairs separated by ";"');
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/**
 * Validates the CNI_* environment for its command.
 * @example parseCniEnv({ CNI_COMMAND: 'VERSION' }).command === 'VERSION'
 */
export function parseCniEnv(env: NodeJS.ProcessEnv): CniEnv {
  const command = env.CNI_COMMAND as CniCommand;
  if (!command) throw new CniError(CNI_ERR.INVALID_ENV, 'required env variable CNI_COMMAND missing');
  if (!CNI_COMMANDS.includes(command)) throw new CniError(CNI_ERR.INVALID_ENV, `unknown CNI_COMMAND: ${command}`);
  const missing = REQUIRED_ENV[command].filter((v) => !env[v]);
  if (missing.length > 0) throw new CniError(CNI_ERR.INVALID_ENV, `required env variables [${missing.join(',')}] missing`);
  const ifName = env.CNI_IFNAME ?? '';
  if (ifName && (ifName.length > 15 || ifName === '.' || ifName === '..' || /[/:\s]/.test(ifName))) {
    throw new CniError(CNI_ERR.INVALID_ENV, `CNI_IFNAME: invalid interface name "${ifName}"`);
  }
  return {
    command,
    containerId: env.CNI_CONTAINERID ?? '',
    netns: env.CNI_NETNS ?? '',
    ifName,
    args: parseCniArgs(env.CNI_ARGS),
    path: (env.CNI_PATH ?? '').split(':').filter((p) => p !== ''),
  };
}

function bad(field: string, message: string): CniError {
  return new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, `network config field "${field}" ${message}`);
}

function str(o: Record<string, unknown>, field: string, prefix = ''): string | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw bad(prefix + field, `must be a string (got ${JSON.stringify(v)})`);
  return v;
}

/** Calico's "true"/"false" strings, or JSON booleans. */
function flag(o: Record<string, unknown>, field: string, dflt: boolean, prefix = ''): boolean {
  const v = o[field];
  if (v === undefined || v === null || v === '') return dflt;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw bad(prefix + field, `must be "true" or "false" (got ${JSON.stringify(v)})`);
}

function strList(o: Record<string, unknown>, field: string, prefix = ''): string[] {
  const v = o[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad(prefix + field, 'must be a list of strings');
  return v as string[];
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(field, 'must be an object');
  return v as Record<string, unknown>;
}

/** `[{key, value}]` (the args.cni.labels convention) or a plain map. */
function keyValues(v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    for (const [i, e] of v.entries()) {
      const kv = e as { key?: unknown; value?: unknown };
      if (!kv || typeof kv.key !== 'string' || typeof kv.value !== 'string') throw bad(`${field}[${i}]`, 'must be {"key": string, "value": string}');
      out[kv.key] = kv.value;
    }
    return out;
  }
  for (const [k, val] of Object.entries(obj(v, field))) {
    if (typeof val !== 'string') throw bad(`${field}.${k}`, 'must be a string');
    out[k] = val;
  }
  return out;
}

/** Checks a cniVersion is one we speak (error code 1 otherwise). */
export function checkVersion(version: string): void {
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(version)) {
    throw new CniError(CNI_ERR.INCOMPATIBLE_VERSION, `incompatible CNI versions; config is "${version}", plugin supports [${SUPPORTED_VERSIONS.map((v) => `"${v}"`).join(' ')}]`);
  }
}

/** Compares dotted versions: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * Parses the network configuration a runtime writes to stdin.
 * @example parseNetConf('{"cniVersion":"1.0.0","name":"k8s-pod-network","type":"calico","ipam":{"type":"calico-ipam"}}').name
 */
export function parseNetConf(stdin: string): NetConf {
  let raw: unknown;
  try {
    raw = JSON.parse(stdin);
  } catch (err) {
    throw new CniError(CNI_ERR.DECODE_FAILURE, 'failed to load netconf', (err as Error).message);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new CniError(CNI_ERR.DECODE_FAILURE, 'failed to load netconf', 'not a JSON object');
  const o = raw as Record<string, unknown>;
  // The spec says a missing cniVersion means 0.2.0, which this plugin does not speak.
  const cniVersion = str(o, 'cniVersion') ?? '0.2.0';
  checkVersion(cniVersion);
  const name = str(o, 'name');
  if (!name) throw bad('name', 'is required');
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw bad('name', `must start with a letter or digit and contain only letters, digits, "_", "." and "-" (got "${name}")`);
  const type = str(o, 'type');
  if (!type) throw bad('type', 'is required');

  const ipamRaw = obj(o.ipam, 'ipam');
  const ipamType = str(ipamRaw, 'type', 'ipam.');
  const ipam: IPAMConf = {
    type: ipamType ?? '',
    assign_ipv4: flag(ipamRaw, 'assign_ipv4', true, 'ipam.'),
    assign_ipv6: flag(ipamRaw, 'assign_ipv6', false, 'ipam.'),
    ipv4_pools: strList(ipamRaw, 'ipv4_pools', 'ipam.'),
    ipv6_pools: strList(ipamRaw, 'ipv6_pools', 'ipam.'),
    raw: ipamRaw,
  };

  const mtuRaw = o.mtu;
  if (mtuRaw !== undefined && (typeof mtuRaw !== 'number' || !Number.isInteger(mtuRaw) || mtuRaw < 0 || (mtuRaw > 0 && mtuRaw < 68) || mtuRaw > 65535)) {
    throw bad('mtu', `must be 0 or an integer 68-65535 (got ${JSON.stringify(mtuRaw)})`);
  }
  const datastoreType = str(o, 'datastore_type');
  let etcdEndpoints = str(o, 'etcd_endpoints');
  // Older configs spell a single endpoint as etcd_scheme/etcd_authority.
  if (!etcdEndpoints && str(o, 'etcd_authority')) etcdEndpoints = `${str(o, 'etcd_scheme') ?? 'http'}://${str(o, 'etcd_authority')}`;

  const args = obj(o.args, 'args');
  const cniArgs = obj(args.cni, 'args.cni');
  const container = obj(o.container_settings, 'container_settings');
  const policy = obj(o.policy, 'policy');

  const conf: NetConf = {
    cniVersion,
    name,
    type,
    nodename_file: str(o, 'nodename_file') ?? DEFAULT_NODENAME_FILE,
    nodename_file_optional: flag(o, 'nodename_file_optional', false),
    mtu: (mtuRaw as number | undefined) ?? 0,
    ipam,
    policyType: str(policy, 'type', 'policy.'),
    allowIPForwarding: flag(container, 'allow_ip_forwarding', false, 'container_settings.'),
    labels: keyValues(cniArgs.labels, 'args.cni.labels'),
    annotations: keyValues(cniArgs.annotations, 'args.cni.annotations'),
    runtimeConfig: obj(o.runtimeConfig, 'runtimeConfig'),
    raw: o,
  };
  const nodename = str(o, 'nodename');
  if (nodename) conf.nodename = nodename;
  if (datastoreType) conf.datastore_type = datastoreType;
  if (etcdEndpoints) conf.etcd_endpoints = etcdEndpoints;
  const user = str(o, 'etcd_username');
  if (user) conf.etcd_username = user;
  const pass = str(o, 'etcd_password');
  if (pass) conf.etcd_password = pass;
  const dataDir = str(o, 'calico_data_dir');
  if (dataDir) conf.calico_data_dir = dataDir;
  const sa = str(cniArgs, 'serviceAccountName', 'args.cni.');
  if (sa) conf.serviceAccountName = sa;
  if (o.prevResult !== undefined) conf.prevResult = obj(o.prevResult, 'prevResult') as unknown as CniResult;
  const valid = o['cni.dev/valid-attachments'] ?? o['cni.dev/attachments'];
  if (valid !== undefined) {
    if (!Array.isArray(valid)) throw bad('cni.dev/valid-attachments', 'must be a list of {containerID, ifname}');
    conf.validAttachments = valid.map((a, i) => {
      const r = a as Partial<CniAttachment>;
      if (!r || typeof r.containerID !== 'string' || typeof r.ifname !== 'string') throw bad(`cni.dev/valid-attachments[${i}]`, 'must be {"containerID": string, "ifname": string}');
      return { containerID: r.containerID, ifname: r.ifname };
    });
  }
  return conf;
}
