/**
 * Turns active policies and profiles into dataplane rules, and works out which IP sets those rules
 * need. IP sets are ref-counted across every active policy and profile: a set becomes active on its
 * first reference and inactive on its last, so equal selectors in many rules share one set.
 *
 * It does not decide which policies are active (the ActiveRulesCalculator does), nor compute set
 * members (the IPSetMemberIndex does), nor order anything for the dataplane (the EventSequencer does).
 */
import type { PolicyModel, ProfileModel } from '../policy/index.js';
import type { PolicyRules, RulesCallbacks } from './dataplane-api.js';
import { convertRules, type IPSetData } from './rule-convert.js';

/** Where the RuleScanner reports IP sets coming into and going out of use. */
export interface IPSetActivationCallbacks {
  onIPSetActive(ipSet: IPSetData): void;
  onIPSetInactive(id: string): void;
}

/** What the RuleScanner consumes (the ActiveRulesCalculator's output). */
export interface ActiveRulesCallbacks {
  /** The policy selects at least one local endpoint; called again whenever the active policy changes. */
  onPolicyActive(policy: PolicyModel): void;
  onPolicyInactive(key: string): void;
  /** A local endpoint uses the profile; called again whenever the active profile changes. */
  onProfileActive(profile: ProfileModel): void;
  onProfileInactive(name: string): void;
}

export class RuleScanner implements ActiveRulesCallbacks {
  readonly #rules: RulesCallbacks;
  readonly #ipSets: IPSetActivationCallbacks;
  /** Owner (`policy:<key>` / `profile:<name>`) → IDs of the sets its rules use. */
  readonly #setsByOwner = new Map<string, Set<string>>();
  readonly #refCounts = new Map<string, number>();

  constructor(rules: RulesCallbacks, ipSets: IPSetActivationCallbacks) {
    this.#rules = rules;
    this.#ipSets = ipSets;
  }

  onPolicyActive(policy: PolicyModel): void {
    const rules = this.#scan(`policy:${policy.key}`, policy.key, policy);
    rules.staged = policy.staged;
    if (policy.doNotTrack) rules.untracked = true;
    if (policy.preDNAT) rules.preDNAT = true;
    if (policy.applyOnForward) rules.applyOnForward = true;
    this.#rules.onPolicyUpdate(policy.key, { ...policy.id }, rules);
  }

  onPolicyInactive(key: string): void {
    this.#rules.onPolicyRemoved(key);
    this.#release(`policy:${key}`, new Set());
  }

  onProfileActive(profile: ProfileModel): void {
    const rules = this.#scan(`profile:${profile.name}`, `profile/${profile.name}`, profile);
    this.#rules.onProfileUpdate(profile.name, rules);
  }

  onProfileInactive(name: string): void {
    this.#rules.onProfileRemoved(name);
    this.#release(`profile:${name}`, new Set());
  }

  /** Number of IP sets in use (for metrics: felix_active_local_selectors). */
  get activeIPSetCount(): number {
    return this.#refCounts.size;
  }

  /**
   * Convert one owner's rules, taking references on the sets they now use before releasing the sets
   * they no longer use (so a set shared by the old and new rules never blinks out).
   */
  #scan(owner: string, ruleOwner: string, model: { inbound: PolicyModel['inbound']; outbound: PolicyModel['outbound'] }): PolicyRules {
    const inbound = convertRules(ruleOwner, 'inbound', model.inbound);
    const outbound = convertRules(ruleOwner, 'outbound', model.outbound);
    const now = new Map<string, IPSetData>();
    for (const s of [...inbound.ipSets, ...outbound.ipSets]) now.set(s.id, s);
    const before = this.#setsByOwner.get(owner) ?? new Set<string>();
    for (const [id, data] of now) {
      if (before.has(id)) continue;
      const count = this.#refCounts.get(id) ?? 0;
      this.#refCounts.set(id, count + 1);
      if (count === 0) this.#ipSets.onIPSetActive(data);
    }
    this.#release(owner, new Set(now.keys()));
    return { inbound: inbound.parsed, outbound: outbound.parsed };
  }

  /** Drop the owner's references to sets not in `keep`, and record `keep` as its sets. */
  #release(owner: string, keep: Set<string>): void {
    for (const id of this.#setsByOwner.get(owner) ?? []) {
      if (keep.has(id)) continue;
      const count = this.#refCounts.get(id)! - 1;
      if (count === 0) {
        this.#refCounts.delete(id);
        this.#ipSets.onIPSetInactive(id);
      } else {
        this.#refCounts.set(id, count);
      }
    }
    if (keep.size > 0) this.#setsByOwner.set(owner, keep);
    else this.#setsByOwner.delete(owner);
  }
}
