import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Resource } from '../../src/api/types.js';
import { openEtcdDatastore } from '../../src/datastore/etcd.js';
import { etcdKey } from '../../src/datastore/keys.js';
import { startEtcd, type EtcdServer } from '../helpers/etcd.js';
import { datastoreConformance } from './conformance.js';

let etcd: EtcdServer;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

/** Raw etcd call, to check the key layout independently of the datastore code. */
async function rawRange(prefix: string): Promise<string[]> {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const end = Buffer.from(prefix);
  end[end.length - 1]! += 1;
  const res = await fetch(`${etcd.endpoints[0]}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64(prefix), range_end: end.toString('base64'), keys_only: true }) });
  const json = (await res.json()) as { kvs?: { key: string }[] };
  return (json.kvs ?? []).map((kv) => Buffer.from(kv.key, 'base64').toString());
}

datastoreConformance({
  name: 'etcd',
  crossProcess: true,
  crashSafety: false,
  setup: async () => {
    // One etcd for the file; each test starts from an empty /calico/ tree.
    const endpoints = etcd.endpoints;
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    await fetch(`${endpoints[0]}/v3/kv/deleterange`, { method: 'POST', body: JSON.stringify({ key: b64('/calico/'), range_end: b64('/calico0') }) });
    return {
      open: () => openEtcdDatastore({ endpoints }),
      childEnv: { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: endpoints.join(',') },
      cleanup: async () => undefined,
    };
  },
});

test('etcd: resources use the Calico key layout and mod_revision as resourceVersion', async () => {
  const ds = await openEtcdDatastore({ endpoints: etcd.endpoints });
  try {
    const np: Resource = await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { namespace: 'ns1', name: 'allow' }, spec: {} });
    await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'BlockAffinity', metadata: { name: 'node1-10-0-0-0-26' }, spec: {} });
    const keys = await rawRange('/calico/resources/v3/projectcalico.org/');
    assert.ok(keys.includes('/calico/resources/v3/projectcalico.org/networkpolicies/ns1/allow'), keys.join());
    assert.ok(keys.includes('/calico/resources/v3/projectcalico.org/blockaffinities/node1-10-0-0-0-26'), keys.join());
    assert.equal(etcdKey({ kind: 'NetworkPolicy', namespace: 'ns1', name: 'allow' }), '/calico/resources/v3/projectcalico.org/networkpolicies/ns1/allow');
    const res = await fetch(`${etcd.endpoints[0]}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from(keys.find((k) => k.endsWith('/ns1/allow'))!).toString('base64') }) });
    const kv = ((await res.json()) as { kvs: { mod_revision: string; value: string }[] }).kvs[0]!;
    assert.equal(kv.mod_revision, np.metadata.resourceVersion);
    const stored = JSON.parse(Buffer.from(kv.value, 'base64').toString()) as { metadata: Record<string, unknown> };
    assert.equal(stored.metadata.resourceVersion, undefined, 'etcd owns the revision; it is not stored in the value');
    assert.equal(stored.metadata.uid, np.metadata.uid);
  } finally {
    await ds.close();
  }
});

test('etcd: opening against a dead endpoint fails with a clear error', async () => {
  await assert.rejects(openEtcdDatastore({ endpoints: ['http://127.0.0.1:1'], requestTimeoutMs: 2000 }), /Cannot reach etcd at http:\/\/127\.0\.0\.1:1/);
});

test('etcd: a watch rides out an etcd restart and delivers every change in order', async () => {
  const own = await startEtcd();
  const ds = await openEtcdDatastore({ endpoints: own.endpoints });
  try {
    const from = await ds.currentRevision();
    const watch = ds.watch({ kind: 'Tier', fromRevision: from });
    const it = watch[Symbol.asyncIterator]();
    const expected: string[] = [];
    const write = async (name: string): Promise<void> => {
      const r: Resource = await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name } });
      expected.push(`${name}@${r.metadata.resourceVersion}`);
    };
    await write('before');
    const got: string[] = [];
    const next = async (): Promise<void> => {
      const r = await it.next();
      assert.ok(!r.done && r.value.type === 'added', JSON.stringify(r.value));
      if (r.value.type === 'added') got.push(`${r.value.object.metadata.name}@${r.value.revision}`);
    };
    await next();
    await own.restart();
    await write('after-1');
    await write('after-2');
    await next();
    await next();
    assert.deepEqual(got, expected);
    watch.close();
  } finally {
    await ds.close();
    await own.stop();
  }
});

test('etcd: with auth enabled, a client logs in with username/password; without them it is refused', async () => {
  const own = await startEtcd();
  const post = async (path: string, body: unknown, token?: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${own.endpoints[0]}${path}`, { method: 'POST', body: JSON.stringify(body), headers: token ? { authorization: token } : {} });
    return (await res.json()) as Record<string, unknown>;
  };
  try {
    await post('/v3/auth/user/add', { name: 'root', password: 'rootpw' });
    await post('/v3/auth/role/add', { name: 'root' });
    await post('/v3/auth/user/grant', { user: 'root', role: 'root' });
    const enabled = await post('/v3/auth/enable', {});
    assert.equal(enabled.error, undefined, JSON.stringify(enabled));
    await assert.rejects(openEtcdDatastore({ endpoints: own.endpoints }), /etcd request .* failed: .*(user name is empty|permission denied|invalid auth token)/);
    await assert.rejects(openEtcdDatastore({ endpoints: own.endpoints, username: 'root', password: 'wrong' }), /authentication failed/);
    const ds = await openEtcdDatastore({ endpoints: own.endpoints, username: 'root', password: 'rootpw' });
    try {
      const from = await ds.currentRevision();
      const watch = ds.watch({ kind: 'Tier', fromRevision: from });
      const created: Resource = await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'secure' } });
      const first = await watch[Symbol.asyncIterator]().next();
      assert.equal(!first.done && first.value.type === 'added' && first.value.revision, Number(created.metadata.resourceVersion));
      watch.close();
    } finally {
      await ds.close();
    }
  } finally {
    await own.stop();
  }
});
