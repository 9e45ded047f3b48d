/**
 * CNI protocol shapes (SPEC 1.0.0/1.1.0, plus the 0.3.x/0.4.0 results runtimes still ask for) and
 * the error type a plugin prints. Pure data and constants: no I/O.
 */

/** Versions our plugins speak, oldest first (VERSION reports them in this order). */
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export const LATEST_VERSION = '1.1.0';

/** Well-known error codes from the CNI spec ("Error" section). 100+ is plugin-specific. */
export const CNI_ERR = {
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENV: 4,
  IO_FAILURE: 5,
  DECODE_FAILURE: 6,
  INVALID_NETWORK_CONFIG: 7,
  TRY_AGAIN_LATER: 11,
  /** STATUS: the plugin cannot serve ADDs right now. */
  NOT_AVAILABLE: 50,
  NOT_AVAILABLE_LIMITED_CONNECTIVITY: 51,
  /** What libcni's reference plugins use for everything else. */
  INTERNAL: 999,
} as const;

/** The JSON a plugin prints on failure: `{cniVersion, code, msg, details}`. */
export interface CniErrorJSON {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

export class CniError extends Error {
  readonly code: number;
  readonly details: string | undefined;
  constructor(code: number, msg: string, details?: string) {
    super(msg);
    this.name = 'CniError';
    this.code = code;
    this.details = details;
  }

  toJSON(cniVersion: string): CniErrorJSON {
    return { cniVersion, code: this.code, msg: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  /** Path of the container netns, for interfaces inside it; absent for host interfaces. */
  sandbox?: string;
}

export interface CniIPConfig {
  /** CIDR, e.g. `10.65.0.5/32`. */
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
  /** 0.3.x/0.4.0 only: "4" or "6". */
  version?: '4' | '6';
}

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface CniDNS {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIPConfig[];
  routes?: CniRoute[];
  dns?: CniDNS;
}

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'STATUS' | 'GC';
export const CNI_COMMANDS: readonly CniCommand[] = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'];

/** The CNI_* environment, validated for the command. */
export interface CniEnv {
  command: CniCommand;
  containerId: string;
  netns: string;
  ifName: string;
  /** CNI_ARGS parsed: `K8S_POD_NAMESPACE=a;K8S_POD_NAME=b` -> {K8S_POD_NAMESPACE: 'a', ...}. */
  args: Record<string, string>;
  path: string[];
}

/** One attachment a runtime still uses (GC's `cni.dev/valid-attachments`). */
export interface CniAttachment {
  containerID: string;
  ifname: string;
}
