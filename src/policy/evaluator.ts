/**
 * The reference evaluator: given a snapshot and one packet, decide as Felix would and say why.
 * Egress of the source endpoint (when it is a Calico endpoint), then ingress of the destination,
 * each through tiers, policies and rules, then profiles (reference section 3).
 * Pure: no I/O; everything comes from the snapshot.
 */
import type { Resource } from '../api/types.js';
import { AddressBook, ruleMismatch, type PacketInfo } from './match.js';
import { protocolNumber, type PolicyModel, type RuleModel } from './model.js';
import { sortPolicies, sortTiers } from './ordering.js';
import { netContains, parseNet } from './ip.js';
import { buildSnapshot, type AddressOwner, type PolicySnapshot } from './snapshot.js';
import { addressOf, chooseFamily, familyHint, lookupEnd, type Packet } from './packet-ends.js';

export { findWorkload, type Packet, type PacketEnd } from './packet-ends.js';

export type Direction = 'ingress' | 'egress';

export type StepKind =
  | 'endpoint'
  | 'loopback'
  | 'not-calico'
  | 'failsafe'
  | 'tier'
  | 'staged'
  | 'rule'
  | 'rule-skipped'
  | 'policy-no-match'
  | 'end-of-tier'
  | 'profile'
  | 'profile-missing'
  | 'no-profile-allowed'
  | 'skipped'
  | 'endpoint-to-host'
  | 'host-to-workload';

export interface TraceStep {
  direction?: Direction;
  kind: StepKind;
  /** Endpoint being evaluated, `ns/pod` or host endpoint name. */
  endpoint?: string;
  tier?: string;
  /** Policy key (`np/ns/name`, `gnp/name`, `knp/ns/name`...). */
  policy?: string;
  profile?: string;
  ruleIndex?: number;
  action?: 'Allow' | 'Deny' | 'Pass' | 'Log';
  /** Set on the step that decided its direction. */
  verdict?: 'allow' | 'deny';
  message: string;
}

export interface DirectionResult {
  endpoint: string;
  allowed: boolean;
  /** The step that decided. */
  decidedBy: TraceStep;
}

export interface EvaluationResult {
  allowed: boolean;
  steps: TraceStep[];
  egress?: DirectionResult;
  ingress?: DirectionResult;
  /** Host endpoint policy for forwarded traffic (only with `packet.forwardedVia`). */
  forwardIngress?: DirectionResult;
  forwardEgress?: DirectionResult;
  /** Addresses used for the packet. */
  srcIP: string;
  dstIP: string;
}

/**
 * Evaluate one packet.
 *
 * @example
 * evaluate(snapshot, { src: { workload: 'x/a' }, dst: { workload: 'y/b' }, protocol: 'TCP', dstPort: 80 }).allowed
 */
export function evaluate(state: PolicySnapshot | readonly Resource[], packet: Packet): EvaluationResult {
  const snap = isSnapshot(state) ? state : buildSnapshot(state);
  const book = new AddressBook(snap);
  const protocol = typeof packet.protocol === 'number' ? packet.protocol : protocolNumber(String(packet.protocol));
  if (!Number.isInteger(protocol) || protocol < 1 || protocol > 255) {
    throw new Error(`unknown protocol ${JSON.stringify(packet.protocol)}: use TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or 1-255`);
  }
  const srcEnd = lookupEnd(snap, book, packet.src);
  const dstEnd = lookupEnd(snap, book, packet.dst);
  const family = chooseFamily(familyHint(packet), srcEnd, dstEnd);
  const src = addressOf(srcEnd, family);
  const dst = addressOf(dstEnd, family);
  if (src.ip.family !== dst.ip.family) {
    const srcIP = src.ip.addr.toString();
    const dstIP = dst.ip.addr.toString();
    throw new Error(`source ${srcIP} and destination ${dstIP} are of different IP families`);
  }
  const pkt: PacketInfo = { family: src.ip.family, protocol, src: src.ip, dst: dst.ip };
  if (packet.srcPort !== undefined) pkt.srcPort = packet.srcPort;
  if (packet.dstPort !== undefined) pkt.dstPort = packet.dstPort;
  if (packet.icmp) pkt.icmp = packet.icmp;

  const steps: TraceStep[] = [];
  const result: EvaluationResult = {
    allowed: true,
    steps,
    srcIP: src.ip.addr.toString(),
    dstIP: dst.ip.addr.toString(),
  };
  if (src.owner && src.owner === dst.owner && src.owner.kind === 'WorkloadEndpoint') {
    steps.push({
      kind: 'loopback',
      endpoint: src.owner.display,
      verdict: 'allow',
      message: `${src.owner.display} talks to itself: the packet never leaves the pod's network namespace, so no policy applies`,
    });
    return result;
  }

  const ctx: SideContext = { snap, book, pkt, steps };
  // Between a host and its own workloads Felix applies no host endpoint policy: the host reaches its pods
  // unpoliced, and a pod reaching its host meets DefaultEndpointToHostAction after its egress policy.
  const sameNode = src.owner?.node !== undefined && src.owner.node === dst.owner?.node;
  if (sameNode && src.owner!.kind === 'HostEndpoint' && dst.owner!.kind === 'WorkloadEndpoint') {
    steps.push({
      kind: 'host-to-workload',
      endpoint: dst.owner!.display,
      verdict: 'allow',
      message: `${src.owner!.display} is ${dst.owner!.display}'s own host: Felix does not police a host's traffic to its local workloads`,
    });
    return result;
  }
  const via = packet.forwardedVia ?? {};
  const viaHep = (name: string | undefined): AddressOwner | undefined => {
    if (name === undefined) return undefined;
    const h = snap.hostEndpoints.find((x) => x.name === name);
    if (!h) throw new Error(`host endpoint ${JSON.stringify(name)} not found`);
    return h;
  };
  const viaIn = viaHep(via.ingress);
  const viaOut = viaHep(via.egress);
  if (src.owner) {
    result.egress = evaluateSide(ctx, src.owner, 'egress');
    if (!result.egress.allowed) {
      result.allowed = false;
      steps.push({ direction: 'ingress', kind: 'skipped', message: 'ingress not evaluated: the packet was dropped on egress' });
      return result;
    }
  } else {
    steps.push({
      direction: 'egress',
      kind: 'not-calico',
      message: `source ${result.srcIP} is not a Calico endpoint: no egress policy applies`,
    });
  }
  if (sameNode && src.owner!.kind === 'WorkloadEndpoint' && dst.owner!.kind === 'HostEndpoint') {
    const action = snap.felixConfig(src.owner!.node).defaultEndpointToHostAction;
    const step: TraceStep = {
      direction: 'ingress',
      kind: 'endpoint-to-host',
      endpoint: dst.owner!.display,
      verdict: action === 'Drop' ? 'deny' : 'allow',
      message: `to its own host ${dst.owner!.display}: host endpoint policy does not apply; DefaultEndpointToHostAction ${action}`,
    };
    steps.push(step);
    result.ingress = { endpoint: dst.owner!.display, allowed: step.verdict === 'allow', decidedBy: step };
    result.allowed = result.ingress.allowed;
    return result;
  }
  if (viaIn) {
    result.forwardIngress = evaluateForward(ctx, viaIn, 'ingress');
    if (!result.forwardIngress.allowed) {
      result.allowed = false;
      return result;
    }
  }
  if (dst.owner) {
    result.ingress = evaluateSide(ctx, dst.owner, 'ingress');
    result.allowed = result.ingress.allowed;
  } else {
    steps.push({
      direction: 'ingress',
      kind: 'not-calico',
      message: `destination ${result.dstIP} is not a Calico endpoint: no ingress policy applies`,
    });
  }
  if (viaOut && result.allowed) {
    result.forwardEgress = evaluateForward(ctx, viaOut, 'egress');
    result.allowed = result.forwardEgress.allowed;
  }
  return result;
}

function isSnapshot(s: PolicySnapshot | readonly Resource[]): s is PolicySnapshot {
  return !Array.isArray(s);
}


interface SideContext {
  snap: PolicySnapshot;
  book: AddressBook;
  pkt: PacketInfo;
  steps: TraceStep[];
}

type Outcome = { verdict: 'allow' | 'deny'; step: TraceStep } | undefined;

function evaluateSide(ctx: SideContext, owner: AddressOwner, dir: Direction): DirectionResult {
  const endpoint = owner.display;
  const isHost = owner.kind === 'HostEndpoint';
  const kindText = isHost ? 'host endpoint' : 'workload endpoint';
  ctx.steps.push({ direction: dir, kind: 'endpoint', endpoint, message: `${dir} of ${kindText} ${endpoint}` });
  const done = (o: NonNullable<Outcome>): DirectionResult => ({ endpoint, allowed: o.verdict === 'allow', decidedBy: o.step });

  if (isHost) {
    const fs = failsafe(ctx, owner, dir);
    if (fs) return done(fs);
    // Untracked (doNotTrack) policy runs first, in the raw table: only a verdict ends evaluation.
    const untracked = runTiers(ctx, owner, dir, (p) => p.doNotTrack, false);
    if (untracked) return done(untracked);
    if (dir === 'ingress') {
      // Pre-DNAT policy (ingress only): an explicit verdict skips normal policy; no verdict falls through.
      const preDNAT = runTiers(ctx, owner, dir, (p) => p.preDNAT, false);
      if (preDNAT) return done(preDNAT);
    }
  }
  const normal = runTiers(ctx, owner, dir, (p) => !p.doNotTrack && !p.preDNAT, true);
  if (normal) return done(normal);
  return done(runProfiles(ctx, owner, dir));
}

/**
 * A host endpoint that forwarded traffic passes through. No failsafes (they are for the host's own traffic).
 * Untracked and pre-DNAT (ingress) policy see every packet on the interface; an Allow there skips the
 * forward policy. Then, only when some applyOnForward policy applies, those policies decide and nothing
 * allowed means drop; otherwise forwarded traffic is allowed.
 */
function evaluateForward(ctx: SideContext, owner: AddressOwner, dir: Direction): DirectionResult {
  const endpoint = owner.display;
  ctx.steps.push({ direction: dir, kind: 'endpoint', endpoint, message: `${dir} of host endpoint ${endpoint} (forwarded traffic)` });
  const done = (o: NonNullable<Outcome>): DirectionResult => ({ endpoint, allowed: o.verdict === 'allow', decidedBy: o.step });
  const untracked = runTiers(ctx, owner, dir, (p) => p.doNotTrack, false);
  if (untracked) return done(untracked);
  if (dir === 'ingress') {
    const preDNAT = runTiers(ctx, owner, dir, (p) => p.preDNAT, false);
    if (preDNAT) return done(preDNAT);
  }
  const forward = (p: PolicyModel): boolean => p.applyOnForward && !p.doNotTrack && !p.preDNAT;
  const type = dir === 'ingress' ? 'Ingress' : 'Egress';
  const applies = ctx.snap.policies.some(
    (p) => forward(p) && !p.staged && p.types.includes(type) && (p.selector === '' || ctx.snap.matches(p.selector, owner.labels)),
  );
  if (!applies) {
    const step: TraceStep = {
      direction: dir,
      kind: 'not-calico',
      endpoint,
      verdict: 'allow',
      message: `no applyOnForward policy applies to ${endpoint} for ${dir}: forwarded traffic is allowed`,
    };
    ctx.steps.push(step);
    return done({ verdict: 'allow', step });
  }
  const r = runTiers(ctx, owner, dir, forward, true);
  if (r) return done(r);
  const step: TraceStep = {
    direction: dir,
    kind: 'no-profile-allowed',
    endpoint,
    verdict: 'deny',
    message: 'no applyOnForward policy allowed the forwarded packet: default deny',
  };
  ctx.steps.push(step);
  return done({ verdict: 'deny', step });
}

function failsafe(ctx: SideContext, owner: AddressOwner, dir: Direction): Outcome {
  const cfg = ctx.snap.felixConfig(owner.node);
  const list = dir === 'ingress' ? cfg.failsafeInboundHostPorts : cfg.failsafeOutboundHostPorts;
  // Failsafe ports name the server side: the local port inbound, the remote port outbound.
  const port = ctx.pkt.dstPort;
  const peer = dir === 'ingress' ? ctx.pkt.src : ctx.pkt.dst;
  const hit = list.find(
    (f) =>
      port === f.port &&
      protocolNumber(f.protocol) === ctx.pkt.protocol &&
      (f.net === undefined || netContains(parseNet(f.net), peer)),
  );
  if (!hit) return undefined;
  const step: TraceStep = {
    direction: dir,
    kind: 'failsafe',
    endpoint: owner.display,
    verdict: 'allow',
    message: `failsafe ${dir === 'ingress' ? 'inbound' : 'outbound'} port ${hit.protocol}:${hit.port} is always allowed`,
  };
  ctx.steps.push(step);
  return { verdict: 'allow', step };
}

/**
 * Run the tiers of policies (filtered by `which`) that select `owner` for `dir`.
 * `endOfTierDrop`: normal policy drops at the end of a tier with no verdict; untracked/pre-DNAT do not.
 */
function runTiers(
  ctx: SideContext,
  owner: AddressOwner,
  dir: Direction,
  which: (p: PolicyModel) => boolean,
  endOfTierDrop: boolean,
): Outcome {
  const type = dir === 'ingress' ? 'Ingress' : 'Egress';
  const applicable = ctx.snap.policies.filter(
    (p) => which(p) && p.types.includes(type) && (p.selector === '' || ctx.snap.matches(p.selector, owner.labels)),
  );
  const byTier = new Map<string, PolicyModel[]>();
  for (const p of applicable) byTier.set(p.tier, [...(byTier.get(p.tier) ?? []), p]);
  const tiers = sortTiers([...byTier.keys()].map((t) => ctx.snap.tiers.get(t)!));
  for (const tier of tiers) {
    const policies = sortPolicies(byTier.get(tier.name)!);
    const enforced = policies.filter((p) => !p.staged);
    for (const p of policies.filter((q) => q.staged)) {
      ctx.steps.push({
        direction: dir,
        kind: 'staged',
        tier: tier.name,
        policy: p.key,
        message: `staged policy ${p.key} selects this endpoint (not enforced)`,
      });
    }
    // A tier whose only applicable policies are staged is skipped without an end-of-tier drop.
    if (enforced.length === 0) continue;
    ctx.steps.push({
      direction: dir,
      kind: 'tier',
      tier: tier.name,
      message: `tier ${tier.name}${tier.exists ? '' : ' (no Tier object: sorted last)'}: ${enforced.map((p) => p.key).join(', ')}`,
    });
    let passed = false;
    for (const p of enforced) {
      const rules = dir === 'ingress' ? p.inbound : p.outbound;
      const r = runRules(ctx, rules, dir, { tier: tier.name, policy: p.key });
      if (r === 'pass') {
        passed = true;
        break;
      }
      if (r) return r;
      ctx.steps.push({
        direction: dir,
        kind: 'policy-no-match',
        tier: tier.name,
        policy: p.key,
        message: `policy ${p.key}: no rule matched`,
      });
    }
    if (passed) continue;
    if (!endOfTierDrop || tier.defaultAction === 'Pass') {
      if (endOfTierDrop) {
        ctx.steps.push({ direction: dir, kind: 'end-of-tier', tier: tier.name, action: 'Pass', message: `end of tier ${tier.name}: defaultAction Pass, next tier` });
      }
      continue;
    }
    const step: TraceStep = {
      direction: dir,
      kind: 'end-of-tier',
      tier: tier.name,
      action: 'Deny',
      verdict: 'deny',
      message: `end of tier ${tier.name}: no policy allowed or passed the packet, defaultAction Deny`,
    };
    ctx.steps.push(step);
    return { verdict: 'deny', step };
  }
  return undefined;
}

/** 'pass' for a Pass rule, an outcome for Allow/Deny, undefined when no terminal rule matched. */
function runRules(
  ctx: SideContext,
  rules: RuleModel[],
  dir: Direction,
  where: { tier?: string; policy?: string; profile?: string },
): Outcome | 'pass' {
  const what = where.policy ? `policy ${where.policy}` : `profile ${where.profile}`;
  for (const rule of rules) {
    const why = ruleMismatch(rule, ctx.pkt, ctx.book);
    const base = { direction: dir, ...where, ruleIndex: rule.index, action: rule.action };
    if (why !== undefined) {
      ctx.steps.push({ ...base, kind: 'rule-skipped', message: `${what} ${dir} rule ${rule.index} (${rule.action}): ${why} did not match` });
      continue;
    }
    if (rule.action === 'Log') {
      ctx.steps.push({ ...base, kind: 'rule', message: `${what} ${dir} rule ${rule.index} (Log) matched: logged, continuing` });
      continue;
    }
    if (rule.action === 'Pass') {
      ctx.steps.push({ ...base, kind: 'rule', message: `${what} ${dir} rule ${rule.index} (Pass) matched: skip to the next tier` });
      return 'pass';
    }
    const verdict = rule.action === 'Allow' ? 'allow' : 'deny';
    const step: TraceStep = { ...base, kind: 'rule', verdict, message: `${what} ${dir} rule ${rule.index} (${rule.action}) matched` };
    ctx.steps.push(step);
    return { verdict, step };
  }
  return undefined;
}

function runProfiles(ctx: SideContext, owner: AddressOwner, dir: Direction): NonNullable<Outcome> {
  for (const name of owner.profiles) {
    const profile = ctx.snap.profiles.get(name);
    if (!profile) {
      ctx.steps.push({ direction: dir, kind: 'profile-missing', profile: name, message: `profile ${name} does not exist: skipped` });
      continue;
    }
    ctx.steps.push({ direction: dir, kind: 'profile', profile: name, message: `profile ${name}` });
    const r = runRules(ctx, dir === 'ingress' ? profile.inbound : profile.outbound, dir, { profile: name });
    if (r && r !== 'pass') return r;
  }
  const step: TraceStep = {
    direction: dir,
    kind: 'no-profile-allowed',
    verdict: 'deny',
    message:
      owner.profiles.length === 0
        ? 'no policy decided and the endpoint has no profiles: default deny'
        : 'no policy or profile allowed the packet: default deny',
  };
  ctx.steps.push(step);
  return { verdict: 'deny', step };
}
