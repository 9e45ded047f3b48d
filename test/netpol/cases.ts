/**
 * NetworkPolicy truth tables as data: the Kubernetes upstream e2e cases (test/e2e/network/netpol,
 * ported to the full 9-pod x/y/z topology, with multi-step tests split into one case per step), plus
 * Calico-specific cases (tiers, Pass, GlobalNetworkPolicy namespaceSelector, order, network sets, Log,
 * staged policies). Each case lists the resources to apply on top of `netpolBaseResources`, the probe
 * (protocol, port) and the expected connectivity of every ordered pod pair.
 *
 * The kernel-lab test imports this module too, so evaluator and kernel are held to the same tables.
 */
import { calicoCases } from './calico-cases.js';
import { netpolPods, type PodInfo } from './model.js';
import { upstreamCases } from './upstream-cases.js';
import type { NetpolCase } from './_build.js';

export * from './model.js';
export type { NetpolCase } from './_build.js';

/** Every case (upstream first, then Calico's), for the given topology. */
export function netpolCases(pods: PodInfo[] = netpolPods()): NetpolCase[] {
  return [...upstreamCases(pods), ...calicoCases(pods)];
}
