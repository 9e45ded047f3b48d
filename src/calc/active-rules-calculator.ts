/**
 * Works out which policies and profiles are active on this node: a policy is active while its
 * selector matches at least one local endpoint (through a LabelIndex, with profile label
 * inheritance); a profile is active while at least one local endpoint lists it. It reports
 * activations to the RuleScanner (and the PolicyResolver) and each endpoint/policy match to the
 * PolicyResolver.
 *
 * It does not look at rules (the RuleScanner does) or at ordering (the PolicyResolver does). A profile
 * an endpoint lists but that does not exist is reported as active with no rules, so the endpoint's
 * reference stays valid and, having no Allow, it fails closed.
 */
import type { HostEndpoint, Resource, WorkloadEndpoint } from '../api/types.js';
import { endpointLabels, hostEndpointLabels, type PolicyModel, type ProfileModel } from '../policy/index.js';
import { LabelIndex, parseSelector } from '../selector/index.js';
import type { Dispatcher } from './dispatcher.js';
import type { ActiveRulesCallbacks } from './rule-scanner.js';
import { POLICY_MODEL, PROFILE_MODEL } from './validation-filter.js';
import type { Update } from './types.js';

/** Where each (policy, local endpoint) match is reported. */
export interface PolicyMatchListener {
  onPolicyMatch(policyKey: string, endpointId: string): void;
  onPolicyMatchStopped(policyKey: string, endpointId: string): void;
}

/** The ID a local endpoint has inside the calc graph: `WorkloadEndpoint/<ns>/<name>`, `HostEndpoint/<name>`. */
export function endpointId(kind: string, key: string): string {
  return `${kind}/${key}`;
}

export class ActiveRulesCalculator {
  readonly #active: ActiveRulesCallbacks;
  readonly #matches: PolicyMatchListener;
  readonly #index: LabelIndex;
  readonly #policies = new Map<string, PolicyModel>();
  readonly #policyJson = new Map<string, string>();
  readonly #profiles = new Map<string, ProfileModel>();
  /** Policy key → local endpoints it matches. */
  readonly #endpointsByPolicy = new Map<string, Set<string>>();
  /** Local endpoint → profile names it lists. */
  readonly #profilesByEndpoint = new Map<string, string[]>();
  readonly #profileRefs = new Map<string, number>();

  constructor(active: ActiveRulesCallbacks, matches: PolicyMatchListener) {
    this.#active = active;
    this.#matches = matches;
    this.#index = new LabelIndex({
      onMatchStarted: (policyKey, epId) => this.#onMatchStarted(policyKey, epId),
      onMatchStopped: (policyKey, epId) => this.#onMatchStopped(policyKey, epId),
    });
  }

  /** `local` carries only this node's endpoints; `all` carries the normalised policy and profile models. */
  registerWith(local: Dispatcher, all: Dispatcher): void {
    local.register('WorkloadEndpoint', (u) => this.#onEndpoint(u));
    local.register('HostEndpoint', (u) => this.#onEndpoint(u));
    all.register(POLICY_MODEL, (u) => this.#onPolicy(u as Update<PolicyModel>));
    all.register(PROFILE_MODEL, (u) => this.#onProfile(u as Update<ProfileModel>));
  }

  /** Number of active policies (felix_active_local_policies). */
  get activePolicyCount(): number {
    return this.#endpointsByPolicy.size;
  }

  #onEndpoint(update: Update): void {
    const id = endpointId(update.kind, update.key);
    const ep = update.value as Resource | undefined;
    if (ep === undefined) {
      this.#index.deleteLabels(id);
      this.#setEndpointProfiles(id, []);
      return;
    }
    // Profiles first: a policy newly matched through profile labels may reference nothing else.
    const profiles = ((ep.spec as { profiles?: string[] } | undefined)?.profiles ?? []).slice();
    this.#setEndpointProfiles(id, profiles);
    const labels = update.kind === 'WorkloadEndpoint' ? endpointLabels(ep as WorkloadEndpoint) : hostEndpointLabels(ep as HostEndpoint);
    this.#index.updateLabels(id, labels, profiles);
  }

  #setEndpointProfiles(id: string, profiles: string[]): void {
    const old = this.#profilesByEndpoint.get(id) ?? [];
    for (const name of new Set(profiles)) {
      if (old.includes(name)) continue;
      const n = this.#profileRefs.get(name) ?? 0;
      this.#profileRefs.set(name, n + 1);
      if (n === 0) this.#active.onProfileActive(this.#profileOrEmpty(name));
    }
    for (const name of new Set(old)) {
      if (profiles.includes(name)) continue;
      const n = this.#profileRefs.get(name)! - 1;
      if (n === 0) {
        this.#profileRefs.delete(name);
        this.#active.onProfileInactive(name);
      } else {
        this.#profileRefs.set(name, n);
      }
    }
    if (profiles.length > 0) this.#profilesByEndpoint.set(id, profiles);
    else this.#profilesByEndpoint.delete(id);
  }

  #profileOrEmpty(name: string): ProfileModel {
    return this.#profiles.get(name) ?? { name, inbound: [], outbound: [], labelsToApply: {} };
  }

  #onProfile(update: Update<ProfileModel>): void {
    const name = update.key;
    const model = update.value;
    if (model) {
      this.#profiles.set(name, model);
      this.#index.updateParentLabels(name, model.labelsToApply);
    } else {
      if (!this.#profiles.delete(name)) return;
      this.#index.deleteParentLabels(name);
    }
    if (this.#profileRefs.has(name)) this.#active.onProfileActive(this.#profileOrEmpty(name));
  }

  #onPolicy(update: Update<PolicyModel>): void {
    const key = update.key;
    const model = update.value;
    if (model === undefined) {
      if (!this.#policies.has(key)) return;
      this.#index.deleteSelector(key); // stops every match; the last one deactivates
      this.#policies.delete(key);
      this.#policyJson.delete(key);
      return;
    }
    const json = JSON.stringify(model);
    if (this.#policyJson.get(key) === json) return; // no-op
    const wasActive = this.#endpointsByPolicy.has(key);
    this.#policies.set(key, model);
    this.#policyJson.set(key, json);
    this.#index.updateSelector(key, parseSelector(model.selector));
    // A policy that was and still is active did not get a first-match activation: report the change.
    if (wasActive && this.#endpointsByPolicy.has(key)) this.#active.onPolicyActive(model);
  }

  #onMatchStarted(policyKey: string, epId: string): void {
    let eps = this.#endpointsByPolicy.get(policyKey);
    if (!eps) {
      eps = new Set();
      this.#endpointsByPolicy.set(policyKey, eps);
      this.#active.onPolicyActive(this.#policies.get(policyKey)!);
    }
    eps.add(epId);
    this.#matches.onPolicyMatch(policyKey, epId);
  }

  #onMatchStopped(policyKey: string, epId: string): void {
    const eps = this.#endpointsByPolicy.get(policyKey)!;
    eps.delete(epId);
    this.#matches.onPolicyMatchStopped(policyKey, epId);
    if (eps.size === 0) {
      this.#endpointsByPolicy.delete(policyKey);
      this.#active.onPolicyInactive(policyKey);
    }
  }
}
