/**
 * calicoctl refuses to touch a cluster whose ClusterInformation reports another Calico version
 * (major.minor.patch, ignoring a leading `v` and any `-suffix`) unless `--allow-version-mismatch`.
 */
import type { Datastore } from '../datastore/types.js';
import { NotFoundError } from '../lib/errors.js';

function core(version: string): string {
  return (version.startsWith('v') ? version.slice(1) : version).split('-')[0] ?? '';
}

/** Throws calicoctl's "Version mismatch." error; a missing ClusterInformation or version skips the check. */
export async function checkVersionMismatch(ds: Datastore, clientVersion: string): Promise<void> {
  let spec: Record<string, unknown>;
  try {
    const ci = await ds.get({ kind: 'ClusterInformation', name: 'default' });
    spec = (ci.spec ?? {}) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof NotFoundError) return;
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`Unable to get Cluster Information to verify version mismatch: ${msg}\nUse --allow-version-mismatch to override.\n`);
  }
  const clusterVersion = typeof spec['calicoVersion'] === 'string' ? spec['calicoVersion'] : '';
  if (clusterVersion === '') return;
  const cluster = core(clusterVersion);
  if (cluster !== core(clientVersion)) {
    throw new Error(
      `Version mismatch.\nClient Version:   ${clientVersion}\nCluster Version:  ${cluster}\nUse --allow-version-mismatch to override.\n`,
    );
  }
}
