/**
 * What calicoctl's write verbs do before writing (clientv3 EnsureInitialized): make sure the cluster's
 * ClusterInformation `default` exists with a GUID and datastoreReady, and that the built-in tiers exist
 * (`default`, `kube-admin`, `kube-baseline`). Fail-slow and best effort: a failure here never fails the
 * user's command (their credentials may not cover these kinds).
 */
import { randomUUID } from 'node:crypto';
import { API_VERSION, type Resource } from '../api/types.js';
import type { Datastore } from '../datastore/types.js';
import { AlreadyExistsError, NotFoundError } from '../lib/errors.js';

/** Built-in tiers, as Calico 3.32+ creates them. */
export const BUILT_IN_TIERS: ReadonlyArray<{ name: string; order: number; defaultAction: 'Deny' | 'Pass' }> = [
  { name: 'default', order: 1_000_000, defaultAction: 'Deny' },
  { name: 'kube-admin', order: 1_000, defaultAction: 'Pass' },
  { name: 'kube-baseline', order: 10_000_000, defaultAction: 'Pass' },
];

/** Returns the errors met (for debug logging); never throws. */
export async function ensureInitialized(ds: Datastore): Promise<Error[]> {
  const errors: Error[] = [];
  try {
    await ensureClusterInformation(ds);
  } catch (err) {
    errors.push(err as Error);
  }
  for (const tier of BUILT_IN_TIERS) {
    try {
      await createIfMissing(ds, {
        apiVersion: API_VERSION,
        kind: 'Tier',
        metadata: { name: tier.name },
        spec: { order: tier.order, defaultAction: tier.defaultAction },
      });
    } catch (err) {
      errors.push(err as Error);
    }
  }
  return errors;
}

async function ensureClusterInformation(ds: Datastore): Promise<void> {
  let current: Resource | undefined;
  try {
    current = await ds.get({ kind: 'ClusterInformation', name: 'default' });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  if (current === undefined) {
    await createIfMissing(ds, {
      apiVersion: API_VERSION,
      kind: 'ClusterInformation',
      metadata: { name: 'default' },
      spec: { clusterGUID: randomUUID().replaceAll('-', ''), datastoreReady: true },
    });
    return;
  }
  const spec = { ...((current.spec ?? {}) as Record<string, unknown>) };
  let changed = false;
  if (typeof spec['clusterGUID'] !== 'string' || spec['clusterGUID'] === '') {
    spec['clusterGUID'] = randomUUID().replaceAll('-', '');
    changed = true;
  }
  if (spec['datastoreReady'] === undefined || spec['datastoreReady'] === null) {
    spec['datastoreReady'] = true;
    changed = true;
  }
  if (changed) await ds.update({ ...current, spec });
}

async function createIfMissing(ds: Datastore, resource: Resource): Promise<void> {
  try {
    await ds.create(resource);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
}
