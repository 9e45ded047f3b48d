/**
 * The datastores IPAM tests run on: memory (logic), embedded (SQLite, cross-process) and a real
 * etcd started for the test file. Each `open()` gives a fresh, empty datastore.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '../../src/api/types.js';
import type { Datastore } from '../../src/datastore/types.js';
import { openEmbeddedDatastore } from '../../src/datastore/embedded.js';
import { openEtcdDatastore } from '../../src/datastore/etcd.js';
import { MemoryDatastore } from '../../src/datastore/memory.js';
import { startEtcd, type EtcdServer } from '../helpers/etcd.js';

export interface Opened {
  ds: Datastore;
  /** Environment for a child process to open the same datastore. */
  env: Record<string, string>;
  /** A second, independent client on the same data. */
  openAnother(): Promise<Datastore>;
  close(): Promise<void>;
}

export interface Backend {
  name: 'memory' | 'embedded' | 'etcd';
  open(): Promise<Opened>;
}

export const memoryBackend: Backend = {
  name: 'memory',
  async open() {
    const ds = new MemoryDatastore();
    return { ds, env: {}, openAnother: async () => ds.reopen(), close: () => ds.close() };
  },
};

export const embeddedBackend: Backend = {
  name: 'embedded',
  async open() {
    const dataDir = mkdtempSync(join(tmpdir(), 'calico-ipam-'));
    const ds = await openEmbeddedDatastore({ dataDir });
    const others: Datastore[] = [];
    return {
      ds,
      env: { DATASTORE_TYPE: 'embedded', CALICO_DATA_DIR: dataDir },
      async openAnother() {
        const o = await openEmbeddedDatastore({ dataDir });
        others.push(o);
        return o;
      },
      async close() {
        for (const o of others) await o.close();
        await ds.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

/** An etcd backend sharing one server; every open() wipes the /calico/ tree first. */
export function etcdBackend(server: () => EtcdServer): Backend {
  return {
    name: 'etcd',
    async open() {
      const endpoints = server().endpoints;
      const b64 = (s: string): string => Buffer.from(s).toString('base64');
      await fetch(`${endpoints[0]}/v3/kv/deleterange`, { method: 'POST', body: JSON.stringify({ key: b64('/calico/'), range_end: b64('/calico0') }) });
      const ds = await openEtcdDatastore({ endpoints });
      const others: Datastore[] = [];
      return {
        ds,
        env: { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: endpoints.join(',') },
        async openAnother() {
          const o = await openEtcdDatastore({ endpoints });
          others.push(o);
          return o;
        },
        async close() {
          for (const o of others) await o.close();
          await ds.close();
        },
      };
    },
  };
}

export { startEtcd, type EtcdServer };

export function v3<K extends string>(kind: K, name: string, spec: unknown, extra: Partial<Resource['metadata']> = {}): Resource<K> {
  return { apiVersion: 'projectcalico.org/v3', kind, metadata: { name, ...extra }, spec };
}

export async function createPool(ds: Datastore, name: string, spec: Record<string, unknown>): Promise<void> {
  await ds.create(v3('IPPool', name, spec));
}

export async function createNode(ds: Datastore, name: string, labels: Record<string, string> = {}): Promise<void> {
  await ds.create(v3('Node', name, {}, { labels }));
}
