/**
 * State-driven testing of the calculation graph (after Felix's calc_graph_fv_test): a scenario is a
 * list of datastore states, each with the dataplane state expected once it is flushed. The runner
 * turns consecutive states into the updates a syncer would send (deletions for vanished keys,
 * updates for new or changed ones) and checks a RecordingCallbacks after each flush. Expanders
 * rewrite a scenario (reverse update order, insert empty states, split or squash states) so the same
 * expectations are checked against many different update orders and batchings.
 */
import assert from 'node:assert/strict';
import { buildCalcGraph } from '../../src/calc/calc-graph.js';
import { defaultDataplaneConfig } from '../../src/calc/dataplane-api.js';
import type { DataplaneConfig, HostEndpointInfo, IPPoolInfo, RouteInfo, TierInfo, WorkloadEndpointInfo } from '../../src/calc/dataplane-api.js';
import { RecordingCallbacks, type DataplaneSnapshot } from '../../src/calc/recording-callbacks.js';
import type { ResourceUpdate } from '../../src/calc/types.js';

export interface Expected {
  /** IP set ID → members (every active set must be listed). */
  ipSets?: Record<string, string[]>;
  policies?: string[];
  profiles?: string[];
  /** Endpoint key → `describeEndpoint()` text. */
  endpoints?: Record<string, string>;
  /** dst → `describeRoute()` text. */
  routes?: Record<string, string>;
  /** pool name → `describePool()` text. */
  pools?: Record<string, string>;
  /** Fields that differ from Felix's defaults. */
  config?: Partial<DataplaneConfig>;
}

export interface State {
  name: string;
  kvs: ResourceUpdate[];
  /** Undefined for intermediate states made by expanders: only invariants are checked there. */
  expected?: Expected;
}

export interface RunOptions {
  /** Send deletions after updates rather than before. */
  deletesLast?: boolean;
  /** Flush only after the last state (coalescing across states). */
  flushOnlyAtEnd?: boolean;
}

export type Expander = { name: string; expand(states: State[]): { states: State[]; options?: RunOptions } };

function describeTiers(tiers: TierInfo[]): string {
  return tiers.map((t) => `${t.name}(${t.defaultAction}) in=[${t.ingressPolicies.join(',')}] out=[${t.egressPolicies.join(',')}]`).join(' | ');
}

export function describeEndpoint(ep: WorkloadEndpointInfo | HostEndpointInfo): string {
  const profiles = `profiles=${ep.profileIds.join(',')}`;
  if ('untrackedTiers' in ep) {
    return [
      `normal: ${describeTiers(ep.tiers)}`,
      `untracked: ${describeTiers(ep.untrackedTiers)}`,
      `preDNAT: ${describeTiers(ep.preDNATTiers)}`,
      `forward: ${describeTiers(ep.forwardTiers)}`,
      profiles,
    ].join(' ; ');
  }
  return `${describeTiers(ep.tiers)} ; ${profiles}`;
}

export function describeRoute(r: RouteInfo): string {
  const parts: string[] = [r.type];
  if (r.interfaceName) parts.push(r.interfaceName);
  if (r.type === 'remote-block') parts.push(`${r.nodeName}${r.nextHop ? ` via ${r.nextHop}` : ''}`);
  return parts.join(' ');
}

export function describePool(p: IPPoolInfo): string {
  return `${p.cidr}${p.natOutgoing ? ' nat' : ''} vxlan=${p.vxlanMode}${p.disabled ? ' disabled' : ''}`;
}

function mapValues<V, R>(rec: Record<string, V>, f: (v: V) => R): Record<string, R> {
  return Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, f(v)]));
}

/** The comparable view of a snapshot that `Expected` describes. */
export function summarise(snap: DataplaneSnapshot): Required<Omit<Expected, 'config'>> & { config: DataplaneConfig | undefined } {
  return {
    ipSets: snap.ipSets,
    policies: Object.keys(snap.policies).sort(),
    profiles: Object.keys(snap.profiles).sort(),
    endpoints: { ...mapValues(snap.workloadEndpoints, describeEndpoint), ...mapValues(snap.hostEndpoints, describeEndpoint) },
    routes: mapValues(snap.routes, describeRoute),
    pools: mapValues(snap.ipPools, describePool),
    config: snap.config,
  };
}

export function checkExpected(snap: DataplaneSnapshot, exp: Expected, where: string): void {
  const got = summarise(snap);
  const sortedSets = (sets: Record<string, string[]>): Record<string, string[]> =>
    Object.fromEntries(Object.entries(sets).map(([k, v]) => [k, [...v].sort()]).sort(([a], [b]) => (a! < b! ? -1 : 1)));
  assert.deepEqual(sortedSets(got.ipSets), sortedSets(exp.ipSets ?? {}), `${where}: IP sets`);
  assert.deepEqual(got.policies, [...(exp.policies ?? [])].sort(), `${where}: active policies`);
  assert.deepEqual(got.profiles, [...(exp.profiles ?? [])].sort(), `${where}: active profiles`);
  assert.deepEqual(got.endpoints, exp.endpoints ?? {}, `${where}: endpoints`);
  assert.deepEqual(got.routes, exp.routes ?? {}, `${where}: routes`);
  assert.deepEqual(got.pools, exp.pools ?? {}, `${where}: IP pools`);
  assert.deepEqual(got.config, { ...defaultDataplaneConfig(), ...(exp.config ?? {}) }, `${where}: config`);
  assert.equal(snap.inSync, true, `${where}: in sync`);
}

const idOf = (u: ResourceUpdate): string => `${u.kind}|${u.key}`;

/** The updates a syncer sends to go from one datastore state to the next. */
export function transition(prev: ResourceUpdate[], next: ResourceUpdate[], deletesLast = false): ResourceUpdate[] {
  const before = new Map(prev.map((u) => [idOf(u), u]));
  const nextIds = new Set(next.map(idOf));
  const deletes = prev.filter((u) => !nextIds.has(idOf(u))).map((u) => ({ kind: u.kind, key: u.key, value: undefined }));
  const updates = next.filter((u) => {
    const old = before.get(idOf(u));
    return !old || JSON.stringify(old.value) !== JSON.stringify(u.value);
  });
  return deletesLast ? [...updates, ...deletes] : [...deletes, ...updates];
}

/** Feed states through a fresh graph on `node1`, checking expectations after each flush. */
export function runStates(states: State[], options: RunOptions = {}, label = ''): RecordingCallbacks {
  const rec = new RecordingCallbacks();
  const graph = buildCalcGraph('node1', rec);
  let prev: ResourceUpdate[] = [];
  states.forEach((state, i) => {
    for (const u of transition(prev, state.kvs, options.deletesLast)) graph.onUpdate(u);
    if (i === 0) graph.onStatusUpdate('in-sync');
    const last = i === states.length - 1;
    if (!options.flushOnlyAtEnd || last) graph.flush();
    if (state.expected && (!options.flushOnlyAtEnd || last)) {
      checkExpected(rec.snapshot(), state.expected, `${label} state ${i} "${state.name}"`);
    }
    prev = state.kvs;
  });
  return rec;
}

export const EMPTY: State = { name: 'empty', kvs: [], expected: {} };

export const expanders: Expander[] = [
  { name: 'as written', expand: (states) => ({ states }) },
  {
    name: 'reversed KV order',
    expand: (states) => ({ states: states.map((s) => ({ ...s, kvs: [...s.kvs].reverse() })), options: { deletesLast: true } }),
  },
  {
    name: 'empties inserted',
    expand: (states) => ({ states: states.flatMap((s) => [s, EMPTY]) }),
  },
  {
    name: 'split states',
    // Reach each state through its growing prefixes (no expectations on the way).
    expand: (states) => ({
      states: states.flatMap((s) => [
        ...s.kvs.slice(0, -1).map((_, i) => ({ name: `${s.name} prefix ${i + 1}`, kvs: s.kvs.slice(0, i + 1) })),
        s,
      ]),
    }),
  },
  {
    name: 'squashed',
    // Every transition applied without a flush in between: only the final state is checked.
    expand: (states) => ({ states, options: { flushOnlyAtEnd: true } }),
  },
];
