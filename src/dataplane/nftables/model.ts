/**
 * The rendered form of one nftables table, as plain immutable data. The renderer builds it, the formatter
 * prints it, and the differ compares two of them; chains, sets and maps are replaced, never mutated, so an
 * unchanged object is recognised by identity.
 */
import type {
  DataplaneConfig,
  HostEndpointInfo,
  IPPoolInfo,
  IPSetType,
  PolicyID,
  PolicyRules,
  WorkloadEndpointInfo,
} from '../../calc/dataplane-api.js';
import { defaultDataplaneConfig } from '../../calc/dataplane-api.js';
import type { NftFamily } from './names.js';

export interface BaseChainHook {
  type: 'filter' | 'nat';
  hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  /** nft priority keyword or number: `filter`, `raw`, `mangle`, `srcnat`. */
  priority: string;
}

export interface NftChain {
  readonly name: string;
  readonly hook?: BaseChainHook;
  readonly rules: readonly string[];
}

export interface NftSet {
  readonly name: string;
  /** nft type expression, e.g. `ipv4_addr` or `ipv4_addr . inet_proto . inet_service`. */
  readonly type: string;
  readonly interval: boolean;
  /** Elements in nft syntax, sorted. */
  readonly elements: readonly string[];
}

/** A verdict map: key (quoted interface name) to verdict (`jump cali-tw-caliX`). */
export interface NftMap {
  readonly name: string;
  readonly type: string;
  readonly elements: ReadonlyMap<string, string>;
}

/** One chain's new rules, for a rewrite of only that chain (flush + rules). */
export interface ChainRules {
  readonly family: NftFamily;
  readonly table: string;
  readonly chain: string;
  readonly rules: readonly string[];
}

/** One set's element changes (nft element syntax), for an update of only its elements. */
export interface SetElementChanges {
  readonly family: NftFamily;
  readonly table: string;
  readonly set: string;
  /** The set's nft type and flags, which say how an element is encoded. */
  readonly type: string;
  readonly interval: boolean;
  readonly remove: readonly string[];
  readonly add: readonly string[];
}

export interface NftTable {
  readonly family: NftFamily;
  readonly name: string;
  readonly chains: ReadonlyMap<string, NftChain>;
  readonly sets: ReadonlyMap<string, NftSet>;
  readonly maps: ReadonlyMap<string, NftMap>;
}

export interface IPSetState {
  type: IPSetType;
  members: Set<string>;
}

export interface PolicyState {
  id: PolicyID;
  rules: PolicyRules;
}

/** Everything the renderer reads: what the calc graph has told the driver so far. */
export interface DataplaneState {
  config: DataplaneConfig;
  ipSets: ReadonlyMap<string, IPSetState>;
  policies: ReadonlyMap<string, PolicyState>;
  profiles: ReadonlyMap<string, PolicyRules>;
  workloadEndpoints: ReadonlyMap<string, WorkloadEndpointInfo>;
  hostEndpoints: ReadonlyMap<string, HostEndpointInfo>;
  ipPools: ReadonlyMap<string, IPPoolInfo>;
}

export { defaultDataplaneConfig };

export function emptyDataplaneState(config: DataplaneConfig = defaultDataplaneConfig()): DataplaneState {
  return {
    config,
    ipSets: new Map(),
    policies: new Map(),
    profiles: new Map(),
    workloadEndpoints: new Map(),
    hostEndpoints: new Map(),
    ipPools: new Map(),
  };
}
