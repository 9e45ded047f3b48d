import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { startEtcd } from '../helpers/etcd.js';
import { runCalicoctl } from './_calicoctl.js';
import { POOLS } from './fixtures.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('calicoctl apply, get and delete against a real etcd', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const dir = mkdtempSync(join(tmpdir(), 'calicoctl-etcd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'pools.yaml');
  writeFileSync(file, POOLS);
  const env = { PATH: process.env['PATH'], HOME: dir, DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: etcd.endpoints.join(',') };

  const applied = await runCalicoctl(env, ['apply', '-f', file]);
  assert.equal(applied.stdout, "Successfully applied 2 'IPPool' resource(s)\n", applied.stderr);
  assert.equal(applied.code, 0);

  const got = await runCalicoctl(env, ['get', 'ippool', 'pool-b', '-o', 'yaml']);
  assert.equal(got.code, 0, got.stderr);
  const pool = parse(got.stdout);
  assert.equal(pool.spec.cidr, '10.20.0.0/16');
  assert.equal(pool.spec.blockSize, 26);

  const reapplied = await runCalicoctl(env, ['apply', '-f', file]);
  assert.equal(reapplied.code, 0, reapplied.stderr);

  const deleted = await runCalicoctl(env, ['delete', '-f', file]);
  assert.equal(deleted.stdout, "Successfully deleted 2 'IPPool' resource(s)\n", deleted.stderr);
  const after = await runCalicoctl(env, ['get', 'ippools']);
  assert.equal(after.stdout, 'NAME   CIDR   SELECTOR   \n\n');
});
