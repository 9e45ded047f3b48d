/**
 * A throw-away calico-lab for kernel tests: its own embedded datastore in a temp dir, a unique name
 * (so parallel runs never share a netns), and teardown that runs even when the test fails.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { prepareResource } from '../../src/api/index.js';
import type { Resource } from '../../src/api/types.js';
import { openDatastore } from '../../src/datastore/config.js';
import type { Datastore, DatastoreConfig } from '../../src/datastore/types.js';
import { NotFoundError } from '../../src/lib/errors.js';
import { applyResource, Lab } from '../../src/lab/lab.js';

export interface TestLab {
  lab: Lab;
  ds: Datastore;
  dir: string;
  /** Apply like calicoctl; returns the stored key so the test can delete it again. */
  apply(r: Resource): Promise<{ kind: string; name: string; namespace?: string }>;
  remove(key: { kind: string; name: string; namespace?: string }): Promise<void>;
}

export function uniqueLabName(): string {
  return `t${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export async function startTestLab(t: TestContext | { after(fn: () => Promise<void>): void }, options: { nodes: number; env?: NodeJS.ProcessEnv }): Promise<TestLab> {
  const dir = mkdtempSync(join(tmpdir(), 'calico-lab-test-'));
  const config: DatastoreConfig = { type: 'embedded', dataDir: dir };
  const ds = await openDatastore(config);
  const lab = new Lab({ name: uniqueLabName(), stateDir: join(dir, 'lab'), datastore: ds, datastoreConfig: config, env: { ...process.env, ...options.env } });
  t.after(async () => {
    try {
      // LAB_KEEP_LOGS=<dir>: keep the agents' and pods' logs (not sockets) for a failed run.
      if (process.env.LAB_KEEP_LOGS) {
        try {
          cpSync(join(dir, 'lab'), join(process.env.LAB_KEEP_LOGS, lab.name), { recursive: true, filter: (src) => !src.endsWith('.sock') });
        } catch {
          // Logs are a convenience; teardown must still happen.
        }
      }
      await lab.down();
    } finally {
      await ds.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  await lab.up(options.nodes);
  return {
    lab,
    ds,
    dir,
    async apply(r) {
      const stored = await applyResource(ds, r);
      return { kind: stored.kind, name: stored.metadata.name, ...(stored.metadata.namespace ? { namespace: stored.metadata.namespace } : {}) };
    },
    async remove(key) {
      try {
        await ds.delete(key);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    },
  };
}

/** The stored key for a manifest (after k8s conversion), without writing it. */
export function storedKey(r: Resource): { kind: string; name: string; namespace?: string } {
  const p = prepareResource(r);
  return { kind: p.kind, name: p.metadata.name, ...(p.metadata.namespace ? { namespace: p.metadata.namespace } : {}) };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
