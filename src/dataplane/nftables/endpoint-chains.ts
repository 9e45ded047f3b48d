/**
 * Per-endpoint chains (Felix's `cali-tw-`/`cali-fw-` for workloads, `cali-th-`/`cali-fh-` and the forward
 * `cali-thfw-`/`cali-fhfw-` for host endpoints) and the policy/profile chains they jump to.
 *
 * Endpoint chain body, as Felix renders it: conntrack → failsafe (host endpoints) → clear accept+pass marks →
 * per tier: clear pass mark (not needed before the first), jump to each policy while neither
 * the accept nor the pass mark is set, end-of-tier drop unless the tier passes, return if accepted → per
 * profile: jump while not accepted, then return if accepted → final drop. (Felix renders "jump if pass clear"
 * plus "return if accepted" after every policy; testing both bits in one rule halves the endpoint chains
 * with the same outcome, which matters because the kernel re-validates every reachable rule on each commit.
 * For the same reason a workload chain's conntrack, mark-clearing and encapsulated-packet drops run once,
 * in the dispatch chain that jumps to it; see table.ts.) An endpoint that names a policy or profile we have no rules for is
 * programmed to drop (fail closed) rather than skip it.
 */
import type { DataplaneConfig, PolicyRules, TierInfo } from '../../calc/dataplane-api.js';
import type { DataplaneState, NftChain } from './model.js';
import {
  CLEAR_ACCEPT_PASS,
  CLEAR_PASS,
  IF_ACCEPTED,
  IF_NOT_ACCEPTED,
  IF_UNDECIDED,
  nftString,
  policyChainName,
  profileChainName,
  type Direction,
  type NftFamily,
} from './names.js';
import { renderRule } from './rule-render.js';

export type PolicyLayer = 'filter' | 'raw' | 'mangle';

/** Chain-name prefix for policy chains rendered in a layer other than filter. */
export function layerPrefix(layer: PolicyLayer): string {
  return layer === 'filter' ? '' : `${layer}-`;
}

function denyVerdict(config: DataplaneConfig): string {
  return config.denyAction === 'Reject' ? 'reject' : 'drop';
}

/** `cali-pi-<key>` / `cali-po-<key>` for one policy (or `raw-`/`mangle-` prefixed for those layers). */
export function renderPolicyChains(
  key: string,
  rules: PolicyRules,
  family: NftFamily,
  config: DataplaneConfig,
  layer: PolicyLayer = 'filter',
): NftChain[] {
  const opts = { family, config };
  return [
    { name: policyChainName(key, 'ingress', layerPrefix(layer)), rules: rules.inbound.flatMap((r) => renderRule(r, opts)) },
    { name: policyChainName(key, 'egress', layerPrefix(layer)), rules: rules.outbound.flatMap((r) => renderRule(r, opts)) },
  ];
}

export function renderProfileChains(name: string, rules: PolicyRules, family: NftFamily, config: DataplaneConfig): NftChain[] {
  const opts = { family, config };
  return [
    { name: profileChainName(name, 'ingress'), rules: rules.inbound.flatMap((r) => renderRule(r, opts)) },
    { name: profileChainName(name, 'egress'), rules: rules.outbound.flatMap((r) => renderRule(r, opts)) },
  ];
}

export interface EndpointChainSpec {
  name: string;
  dir: Direction;
  tiers: TierInfo[];
  profileIds: string[];
  /** Layer the policy chains live in. */
  layer: PolicyLayer;
  conntrack: boolean;
  /** Clear the accept and pass marks first (false where the dispatch chain already did, see table.ts). */
  clearMarks?: boolean;
  failsafeChain?: string;
  /** Drop at the end of a tier with no verdict (false for untracked and preDNAT chains, which fall through). */
  endOfTierDrop: boolean;
  /** Final drop when nothing allowed (false for raw/mangle chains). */
  finalDrop: boolean;
  /** Profiles only apply to workload and normal host endpoint chains. */
  useProfiles: boolean;
}

/** Policies that a layer renders: which layer a policy belongs to follows its flags. */
export function policyLayerOf(rules: PolicyRules): PolicyLayer {
  if (rules.untracked) return 'raw';
  if (rules.preDNAT) return 'mangle';
  return 'filter';
}

export function renderEndpointChain(spec: EndpointChainSpec, state: DataplaneState, family: NftFamily): NftChain {
  const { config } = state;
  const deny = denyVerdict(config);
  const rules: string[] = [];
  if (spec.conntrack) {
    rules.push('ct state established,related accept');
    if (!config.disableConntrackInvalidCheck) rules.push('ct state invalid drop');
  }
  if (spec.failsafeChain) rules.push(`jump ${spec.failsafeChain}`);
  if (spec.clearMarks ?? true) rules.push(CLEAR_ACCEPT_PASS);
  // Every endpoint chain starts with both marks clear (here, or in the dispatch chain before it), so
  // the first tier needs no "Start of tier" clear: one rule fewer per endpoint to re-validate.
  let passMarkClear = true;
  for (const tier of spec.tiers) {
    const keys = spec.dir === 'ingress' ? tier.ingressPolicies : tier.egressPolicies;
    if (keys.length === 0) continue;
    if (!passMarkClear) rules.push(`${CLEAR_PASS} comment ${nftString(`Start of tier ${tier.name}`)}`);
    passMarkClear = false;
    let enforced = 0;
    for (const key of keys) {
      const pol = state.policies.get(key);
      if (!pol) {
        // Fail closed: the calc graph referenced a policy we were never given.
        return { name: spec.name, rules: [...rules, `${deny} comment ${nftString(`Policy ${key} not programmed`)}`] };
      }
      if (pol.rules.staged) continue;
      enforced++;
      // Once a policy has set accept or pass, the later policies of the tier are skipped.
      rules.push(`${IF_UNDECIDED} jump ${policyChainName(key, spec.dir, layerPrefix(spec.layer))}`);
    }
    if (enforced === 0) continue;
    if (spec.endOfTierDrop && tier.defaultAction !== 'Pass') {
      rules.push(`${IF_UNDECIDED} ${deny} comment ${nftString(`End of tier ${tier.name}. Drop if no policies passed packet`)}`);
    }
    rules.push(`${IF_ACCEPTED} return comment ${nftString('Return if policy accepted')}`);
  }
  if (spec.useProfiles) {
    for (const name of spec.profileIds) {
      if (!state.profiles.has(name)) {
        return { name: spec.name, rules: [...rules, `${deny} comment ${nftString(`Profile ${name} not programmed`)}`] };
      }
      rules.push(`${IF_NOT_ACCEPTED} jump ${profileChainName(name, spec.dir)}`);
    }
    if (spec.profileIds.length > 0) rules.push(`${IF_ACCEPTED} return comment ${nftString('Return if profile accepted')}`);
  }
  if (spec.finalDrop) rules.push(`${deny} comment ${nftString(spec.useProfiles ? 'Drop if no profiles matched' : 'Drop if no policies passed packet')}`);
  return { name: spec.name, rules };
}
