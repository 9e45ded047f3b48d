import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Resource } from '../api/types.js';
import { ValidationError } from '../lib/errors.js';
import { loadDatastoreConfig, openDatastore } from './config.js';

function withFile(text: string, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'calico-cfg-'));
  const path = join(dir, 'calicoctl.cfg');
  writeFileSync(path, text);
  return fn(path).finally(() => rmSync(dir, { recursive: true, force: true }));
}

async function rejectsField(p: Promise<unknown>, field: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ValidationError, String(err));
    assert.ok(err.fields.some((f) => f.field === field), `${err.message} should name ${field}`);
    return true;
  });
}

const cfg = (spec: string): string => `apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nmetadata: {}\nspec:\n${spec}`;

test('loadDatastoreConfig() reads env: embedded with a data dir', async () => {
  assert.deepEqual(await loadDatastoreConfig({ DATASTORE_TYPE: 'embedded', CALICO_DATA_DIR: '/tmp/x' }, undefined), { type: 'embedded', dataDir: '/tmp/x' });
});

test('loadDatastoreConfig() reads env: etcdv3 endpoints and credentials', async () => {
  assert.deepEqual(
    await loadDatastoreConfig({ DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://127.0.0.1:2379, http://127.0.0.1:22379', ETCD_USERNAME: 'u', ETCD_PASSWORD: 'p' }),
    { type: 'etcdv3', etcdEndpoints: ['http://127.0.0.1:2379', 'http://127.0.0.1:22379'], etcdUsername: 'u', etcdPassword: 'p' },
  );
});

test('loadDatastoreConfig() reads a CalicoAPIConfig file; env wins over it', async () => {
  await withFile(cfg('  datastoreType: etcdv3\n  etcdEndpoints: http://10.0.0.1:2379\n  etcdUsername: fileuser\n'), async (path) => {
    assert.deepEqual(await loadDatastoreConfig({}, path), { type: 'etcdv3', etcdEndpoints: ['http://10.0.0.1:2379'], etcdUsername: 'fileuser' });
    assert.deepEqual(await loadDatastoreConfig({ ETCD_ENDPOINTS: 'http://127.0.0.1:1234' }, path), { type: 'etcdv3', etcdEndpoints: ['http://127.0.0.1:1234'], etcdUsername: 'fileuser' });
    assert.deepEqual(await loadDatastoreConfig({ DATASTORE_TYPE: 'memory' }, path), { type: 'memory' });
  });
});

test('loadDatastoreConfig() rejects bad settings, naming the field', async () => {
  // Each row: env, file spec (or none), the field the error must name.
  const rows: [NodeJS.ProcessEnv, string | undefined, string][] = [
    [{ DATASTORE_TYPE: 'kubernetes' }, undefined, 'DATASTORE_TYPE'], // KDD is not a backend here
    [{ DATASTORE_TYPE: 'etcdv3' }, undefined, 'ETCD_ENDPOINTS'], // etcd without endpoints
    [{ DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: '127.0.0.1:2379' }, undefined, 'ETCD_ENDPOINTS'], // no scheme
    [{ DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://127.0.0.1:2379', ETCD_PASSWORD: 'p' }, undefined, 'ETCD_USERNAME'],
    [{}, '  datastoreType: consul\n', 'spec.datastoreType'],
    [{}, '  datastoreType: etcdv3\n  etcdEndpoints: 42\n', 'spec.etcdEndpoints'],
  ];
  for (const [env, spec, field] of rows) {
    if (spec === undefined) await rejectsField(loadDatastoreConfig(env, undefined), field);
    else await withFile(cfg(spec), (path) => rejectsField(loadDatastoreConfig(env, path), field));
  }
  await withFile('apiVersion: v1\nkind: Config\n', (path) => rejectsField(loadDatastoreConfig({}, path), 'apiVersion'));
  await withFile('kind: [unclosed', (path) => rejectsField(loadDatastoreConfig({}, path), 'file'));
  await rejectsField(loadDatastoreConfig({}, '/nonexistent/calicoctl.cfg'), 'file');
});

test('openDatastore() opens the configured backend', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'calico-cfg-'));
  try {
    for (const config of [{ type: 'memory' as const }, { type: 'embedded' as const, dataDir: dir }]) {
      const ds = await openDatastore(config);
      const created: Resource = await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'net-sec' } });
      assert.equal(created.metadata.resourceVersion, '1');
      await ds.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
