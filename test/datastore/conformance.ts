/**
 * The Datastore contract as a test suite, run against every backend (memory, embedded, etcd).
 * Each test gets a fresh, empty store from `setup()`. Backends that live outside this process
 * (`crossProcess`) also race and watch from separate OS processes (test/datastore/child.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resource } from '../../src/api/types.js';
import type { Datastore, Watch, WatchEvent } from '../../src/datastore/types.js';
import { CalicoError } from '../../src/lib/errors.js';
import { ChildClient } from './_child-client.js';

export type CompactableDatastore = Datastore & { compact(revision: number): Promise<void> };

export interface ConformanceBackend {
  /** Opens a client on this backend's (shared) store; every call is a new client. */
  open(): Promise<CompactableDatastore>;
  /** Environment for child.ts to open the same store (crossProcess backends only). */
  childEnv?: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

export interface ConformanceOptions {
  name: string;
  /** A fresh, empty store. */
  setup: () => Promise<ConformanceBackend>;
  /** The store is shared by OS processes: run the cross-process tests. */
  crossProcess: boolean;
  /** Run the kill -9 durability test. */
  crashSafety: boolean;
}

const pool = (name: string, cidr = '10.0.0.0/16'): Resource => ({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr } });
const policy = (namespace: string, name: string, order = 1): Resource => ({
  apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { namespace, name }, spec: { order, selector: 'all()' },
});
const felix = (name: string, n: number): Resource => ({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name }, spec: { reportingIntervalSecs: n } });

async function rejectsWith(p: Promise<unknown>, code: string, field?: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof CalicoError, `expected CalicoError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (field) assert.ok((err as unknown as { fields: { field: string }[] }).fields.some((f) => f.field === field), err.message);
    return true;
  });
}

/** Reads `n` events from a watch, failing after `timeoutMs`. */
async function take(watch: Watch, n: number, timeoutMs = 10_000): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const it = watch[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (events.length < n) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`watch: got ${events.length} of ${n} events in ${timeoutMs} ms`)), Math.max(1, deadline - Date.now()));
    });
    try {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done) break;
      events.push(r.value);
    } finally {
      clearTimeout(timer);
    }
  }
  return events;
}

const summary = (e: WatchEvent): string => (e.type === 'relist' ? 'relist' : `${e.type} ${e.object.kind} ${e.object.metadata.namespace ?? ''}/${e.object.metadata.name} @${e.revision}`);

export function datastoreConformance(options: ConformanceOptions): void {
  const { name, setup } = options;
  /** Runs `fn` with a fresh backend and one open client, cleaning up whatever happens. */
  const withStore = (fn: (ds: CompactableDatastore, backend: ConformanceBackend) => Promise<void>) => async () => {
    const backend = await setup();
    const ds = await backend.open();
    try {
      await fn(ds, backend);
    } finally {
      await ds.close();
      await backend.cleanup();
    }
  };

  test(`${name}: create sets resourceVersion, uid and creationTimestamp; get returns it`, withStore(async (ds) => {
    const created = await ds.create(pool('p1'));
    assert.match(created.metadata.resourceVersion ?? '', /^[1-9][0-9]*$/);
    assert.match(created.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.match(created.metadata.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(await ds.get({ kind: 'IPPool', name: 'p1' }), created);
    assert.equal(await ds.currentRevision(), Number(created.metadata.resourceVersion));
    const other = await ds.create(pool('p2'));
    assert.notEqual(other.metadata.uid, created.metadata.uid);
    assert.ok(Number(other.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
  }));

  test(`${name}: create of an existing resource throws AlreadyExistsError; get of a missing one NotFoundError`, withStore(async (ds) => {
    await ds.create(policy('ns1', 'a'));
    await rejectsWith(ds.create(policy('ns1', 'a')), 'CALICO_ERR_ALREADY_EXISTS');
    await ds.create(policy('ns2', 'a')); // same name, other namespace: a different resource
    await rejectsWith(ds.get({ kind: 'NetworkPolicy', namespace: 'ns3', name: 'a' }), 'CALICO_ERR_NOT_FOUND');
    await rejectsWith(ds.get({ kind: 'IPPool', name: 'a' }), 'CALICO_ERR_NOT_FOUND');
  }));

  test(`${name}: stored objects are copies in and out`, withStore(async (ds) => {
    const input = pool('p1');
    const created = await ds.create(input);
    (input.spec as { cidr: string }).cidr = 'mutated-input';
    (created.spec as { cidr: string }).cidr = 'mutated-output';
    const got = await ds.get({ kind: 'IPPool', name: 'p1' });
    (got.spec as { cidr: string }).cidr = 'mutated-get';
    assert.equal((await ds.get<Resource<'IPPool', { cidr: string }>>({ kind: 'IPPool', name: 'p1' })).spec?.cidr, '10.0.0.0/16');
    assert.equal(input.metadata.resourceVersion, undefined, 'create must not write into the caller object');
  }));

  test(`${name}: update is compare-and-swap with resourceVersion and preserves uid/creationTimestamp`, withStore(async (ds) => {
    const v1 = await ds.create(pool('p1'));
    const v2 = await ds.update({ ...v1, metadata: { ...v1.metadata, uid: 'forged', creationTimestamp: '2000-01-01T00:00:00Z' }, spec: { cidr: '10.1.0.0/16' } });
    assert.equal(v2.metadata.uid, v1.metadata.uid);
    assert.equal(v2.metadata.creationTimestamp, v1.metadata.creationTimestamp);
    assert.ok(Number(v2.metadata.resourceVersion) > Number(v1.metadata.resourceVersion));
    // v1's resourceVersion is stale now.
    await rejectsWith(ds.update({ ...v1, spec: { cidr: '10.2.0.0/16' } }), 'CALICO_ERR_CONFLICT');
    await rejectsWith(ds.update({ ...v1, metadata: { ...v1.metadata, resourceVersion: 'garbage' } }), 'CALICO_ERR_CONFLICT');
    assert.deepEqual(await ds.get({ kind: 'IPPool', name: 'p1' }), v2);
    // Without resourceVersion: unconditional overwrite.
    const v3 = await ds.update({ ...pool('p1', '10.3.0.0/16') });
    assert.equal(v3.metadata.uid, v1.metadata.uid);
    assert.equal((await ds.get<Resource<'IPPool', { cidr: string }>>({ kind: 'IPPool', name: 'p1' })).spec?.cidr, '10.3.0.0/16');
    await rejectsWith(ds.update(pool('absent')), 'CALICO_ERR_NOT_FOUND');
    await rejectsWith(ds.update({ ...pool('absent'), metadata: { name: 'absent', resourceVersion: v3.metadata.resourceVersion! } }), 'CALICO_ERR_NOT_FOUND');
  }));

  test(`${name}: delete returns the object; a conditional delete with a stale resourceVersion conflicts`, withStore(async (ds) => {
    const v1 = await ds.create(policy('ns1', 'a'));
    const v2 = await ds.update({ ...v1, spec: { order: 2 } });
    await rejectsWith(ds.delete({ kind: 'NetworkPolicy', namespace: 'ns1', name: 'a' }, { resourceVersion: v1.metadata.resourceVersion! }), 'CALICO_ERR_CONFLICT');
    assert.deepEqual(await ds.get({ kind: 'NetworkPolicy', namespace: 'ns1', name: 'a' }), v2);
    const deleted = await ds.delete({ kind: 'NetworkPolicy', namespace: 'ns1', name: 'a' }, { resourceVersion: v2.metadata.resourceVersion! });
    assert.deepEqual(deleted, v2);
    await rejectsWith(ds.get({ kind: 'NetworkPolicy', namespace: 'ns1', name: 'a' }), 'CALICO_ERR_NOT_FOUND');
    await rejectsWith(ds.delete({ kind: 'NetworkPolicy', namespace: 'ns1', name: 'a' }), 'CALICO_ERR_NOT_FOUND');
    await rejectsWith(ds.delete({ kind: 'NetworkPolicy', namespace: 'ns1', name: 'a' }, { resourceVersion: v2.metadata.resourceVersion! }), 'CALICO_ERR_NOT_FOUND');
    await ds.create(pool('p'));
    assert.equal((await ds.delete({ kind: 'IPPool', name: 'p' })).metadata.name, 'p');
  }));

  test(`${name}: namespace rules follow the kind's scope`, withStore(async (ds) => {
    await rejectsWith(ds.create({ ...pool('p'), metadata: { name: 'p', namespace: 'ns1' } }), 'CALICO_ERR_VALIDATION', 'metadata.namespace');
    await rejectsWith(ds.create({ ...policy('x', 'a'), metadata: { name: 'a' } }), 'CALICO_ERR_VALIDATION', 'metadata.namespace');
    await rejectsWith(ds.get({ kind: 'NetworkPolicy', name: 'a' }), 'CALICO_ERR_VALIDATION', 'metadata.namespace');
    await rejectsWith(ds.create({ ...pool('p'), kind: 'NoSuchKind' }), 'CALICO_ERR_VALIDATION', 'kind');
    await rejectsWith(ds.create(pool('a/b')), 'CALICO_ERR_VALIDATION', 'metadata.name');
    await rejectsWith(ds.create(pool('')), 'CALICO_ERR_VALIDATION', 'metadata.name');
  }));

  test(`${name}: list filters by kind, namespace and name prefix, in key order, with its revision`, withStore(async (ds) => {
    for (const [ns, n] of [['ns2', 'b'], ['ns1', 'allow-x'], ['ns1', 'deny'], ['ns2', 'allow-y'], ['ns1', 'allow-a']] as const) await ds.create(policy(ns, n));
    for (const n of ['pool-b', 'pool-a', 'other']) await ds.create(pool(n));
    await ds.create(felix('default', 30));
    const names = (r: { items: Resource[] }): string[] => r.items.map((i) => `${i.metadata.namespace ?? ''}/${i.metadata.name}`);
    const all = await ds.list({ kind: 'NetworkPolicy' });
    assert.deepEqual(names(all), ['ns1/allow-a', 'ns1/allow-x', 'ns1/deny', 'ns2/allow-y', 'ns2/b']);
    assert.equal(all.revision, await ds.currentRevision());
    assert.deepEqual(names(await ds.list({ kind: 'NetworkPolicy', namespace: 'ns1' })), ['ns1/allow-a', 'ns1/allow-x', 'ns1/deny']);
    assert.deepEqual(names(await ds.list({ kind: 'NetworkPolicy', namespace: 'ns1', namePrefix: 'allow-' })), ['ns1/allow-a', 'ns1/allow-x']);
    assert.deepEqual(names(await ds.list({ kind: 'NetworkPolicy', namePrefix: 'allow-' })), ['ns1/allow-a', 'ns1/allow-x', 'ns2/allow-y']);
    assert.deepEqual(names(await ds.list({ kind: 'NetworkPolicy', namespace: 'ns9' })), []);
    assert.deepEqual(names(await ds.list({ kind: 'IPPool' })), ['/other', '/pool-a', '/pool-b']);
    assert.deepEqual(names(await ds.list({ kind: 'IPPool', namePrefix: 'pool-' })), ['/pool-a', '/pool-b']);
    assert.deepEqual(names(await ds.list({ kind: 'GlobalNetworkPolicy' })), []);
    const listed = all.items[0]!;
    assert.deepEqual(await ds.get({ kind: 'NetworkPolicy', namespace: 'ns1', name: 'allow-a' }), listed);
  }));

  test(`${name}: watch replays from a revision in order, then follows live changes`, withStore(async (ds) => {
    const r0 = await ds.currentRevision();
    const a = await ds.create(pool('a'));
    const b = await ds.create(policy('ns1', 'b'));
    const a2 = await ds.update({ ...a, spec: { cidr: '10.9.0.0/16' } });
    await ds.delete({ kind: 'NetworkPolicy', namespace: 'ns1', name: 'b' });
    const c = await ds.create(policy('ns2', 'c'));
    const watch = ds.watch({ fromRevision: r0 });
    const replay = await take(watch, 5);
    assert.deepEqual(replay.map(summary), [
      `added IPPool /a @${a.metadata.resourceVersion}`,
      `added NetworkPolicy ns1/b @${b.metadata.resourceVersion}`,
      `modified IPPool /a @${a2.metadata.resourceVersion}`,
      `deleted NetworkPolicy ns1/b @${Number(a2.metadata.resourceVersion) + 1}`,
      `added NetworkPolicy ns2/c @${c.metadata.resourceVersion}`,
    ]);
    assert.deepEqual((replay[2] as { object: Resource }).object, a2);
    assert.deepEqual((replay[3] as { object: Resource }).object.spec, b.spec, 'a deleted event carries the last object');
    // From the middle: strictly after that revision only.
    const mid = ds.watch({ fromRevision: Number(a2.metadata.resourceVersion) });
    assert.deepEqual((await take(mid, 2)).map((e) => e.type), ['deleted', 'added']);
    mid.close();
    // Filters.
    const pools = ds.watch({ kind: 'IPPool', fromRevision: r0 });
    assert.deepEqual((await take(pools, 2)).map(summary), replay.filter((e) => summary(e).includes('IPPool')).map(summary));
    const ns2 = ds.watch({ kind: 'NetworkPolicy', namespace: 'ns2', fromRevision: r0 });
    assert.deepEqual((await take(ns2, 1)).map(summary), [summary(replay[4]!)]);
    // A namespace means nothing for a cluster-scoped kind; without a kind it selects namespaced kinds only.
    const poolsNs = ds.watch({ kind: 'IPPool', namespace: 'ns1', fromRevision: r0 });
    assert.deepEqual((await take(poolsNs, 2)).map(summary), replay.filter((e) => summary(e).includes('IPPool')).map(summary));
    poolsNs.close();
    const anyNs1 = ds.watch({ namespace: 'ns1', fromRevision: r0 });
    assert.deepEqual((await take(anyNs1, 2)).map(summary), [summary(replay[1]!), summary(replay[3]!)]);
    anyNs1.close();
    // Live: a burst of writes arrives complete and in order.
    const live: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await ds.create(pool(`live-${i}`));
      live.push(`added IPPool /live-${i} @${r.metadata.resourceVersion}`);
    }
    assert.deepEqual((await take(watch, 30)).map(summary), live);
    assert.deepEqual((await take(pools, 30)).map(summary), live);
    for (const w of [watch, pools, ns2]) w.close();
    assert.deepEqual(await watch[Symbol.asyncIterator]().next(), { value: undefined, done: true });
  }));

  test(`${name}: close() ends a watch that is waiting for events`, withStore(async (ds) => {
    const watch = ds.watch({ fromRevision: await ds.currentRevision() });
    const pending = watch[Symbol.asyncIterator]().next();
    setTimeout(() => watch.close(), 20);
    assert.deepEqual(await pending, { value: undefined, done: true });
    await ds.create(pool('after-close'));
    let count = 0;
    for await (const _ of watch) count++;
    assert.equal(count, 0);
  }));

  test(`${name}: a watch from before the retained history yields relist and ends`, withStore(async (ds) => {
    const r0 = await ds.currentRevision();
    for (let i = 0; i < 5; i++) await ds.create(pool(`p${i}`));
    const head = await ds.currentRevision();
    await ds.compact(head);
    const watch = ds.watch({ fromRevision: r0 });
    const events = await take(watch, 2);
    assert.equal(events.length, 1, `expected one relist, got ${events.map(summary).join(', ')}`);
    assert.equal(events[0]!.type, 'relist');
    // The recovery the contract describes: list, then watch from the list's revision.
    const listed = await ds.list({ kind: 'IPPool' });
    assert.equal(listed.items.length, 5);
    const follow = ds.watch({ fromRevision: listed.revision });
    const next = await ds.create(pool('p5'));
    assert.deepEqual((await take(follow, 1)).map(summary), [`added IPPool /p5 @${next.metadata.resourceVersion}`]);
    follow.close();
  }));

  test(`${name}: a watcher that restarts resumes from its last revision and misses nothing`, withStore(async (ds, backend) => {
    const r0 = await ds.currentRevision();
    const seen: string[] = [];
    const expected: string[] = [];
    // Writer: a separate process for shared stores (restarted between batches), else another client.
    const writeBatch = async (batch: number): Promise<void> => {
      if (options.crossProcess) {
        const child = await ChildClient.start(backend.childEnv!);
        try {
          const from = child.lines.length;
          child.send({ op: 'createLoop', kind: 'GlobalNetworkSet', prefix: `b${batch}-`, count: 10 });
          await child.next((l) => l.startsWith('{"ok"'), 20_000, from);
          for (const l of child.lines.slice(from).filter((x) => x.startsWith('acked '))) expected.push(l.split(' ')[1]!);
        } finally {
          await child.exit();
        }
      } else {
        const writer = await backend.open();
        for (let i = 0; i < 10; i++) expected.push((await writer.create({ ...pool(`b${batch}-${i}`), kind: 'GlobalNetworkSet' })).metadata.name);
        await writer.close();
      }
    };
    let watcher = await backend.open();
    let watch = watcher.watch({ kind: 'GlobalNetworkSet', fromRevision: r0 });
    await writeBatch(1);
    let last = r0;
    for (const e of await take(watch, 10)) {
      assert.notEqual(e.type, 'relist');
      if (e.type !== 'relist') ({ revision: last } = e), seen.push(e.object.metadata.name);
    }
    // The watcher goes away; writes continue (a restarted writer), then the watcher comes back.
    watch.close();
    await watcher.close();
    await writeBatch(2);
    await writeBatch(3);
    watcher = await backend.open();
    watch = watcher.watch({ kind: 'GlobalNetworkSet', fromRevision: last });
    const rest = await take(watch, 20);
    let prev = last;
    for (const e of rest) {
      assert.ok(e.type === 'added' && e.revision > prev, `out of order: ${summary(e)} after ${prev}`);
      prev = e.revision;
      seen.push(e.object.metadata.name);
    }
    assert.deepEqual(seen, expected);
    watch.close();
    await watcher.close();
  }));

  test(`${name}: two writers racing on one resourceVersion: exactly one wins`, withStore(async (ds, backend) => {
    for (let round = 0; round < 3; round++) {
      const base = await ds.create(felix(`race-${round}`, 1));
      const variants = [1, 2].map((n) => ({ ...base, spec: { reportingIntervalSecs: 100 + n } }));
      let results: { ok: boolean; code?: string }[];
      if (options.crossProcess) {
        const children = await Promise.all([ChildClient.start(backend.childEnv!), ChildClient.start(backend.childEnv!)]);
        try {
          results = await Promise.all(children.map((c, i) => c.request({ op: 'update', resource: variants[i] })));
        } finally {
          await Promise.all(children.map((c) => c.exit()));
        }
      } else {
        const clients = [ds, await backend.open()];
        results = await Promise.all(clients.map((c, i) => c.update(variants[i]!).then(() => ({ ok: true }), (e: CalicoError) => ({ ok: false, code: e.code }))));
        await clients[1]!.close();
      }
      assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results));
      assert.deepEqual(results.filter((r) => !r.ok).map((r) => r.code), ['CALICO_ERR_CONFLICT']);
      const winner = results.findIndex((r) => r.ok);
      assert.deepEqual((await ds.get({ kind: 'FelixConfiguration', name: `race-${round}` })).spec, variants[winner]!.spec);
    }
  }));

  test(`${name}: concurrent read-modify-write loops lose no update`, withStore(async (ds, backend) => {
    await ds.create(felix('counter', 0));
    const times = 40;
    if (options.crossProcess) {
      const children = await Promise.all([ChildClient.start(backend.childEnv!), ChildClient.start(backend.childEnv!)]);
      try {
        const results = await Promise.all(children.map((c) => c.request({ op: 'increment', name: 'counter', times }, 60_000)));
        assert.ok(results.every((r) => r.ok), JSON.stringify(results));
      } finally {
        await Promise.all(children.map((c) => c.exit()));
      }
    } else {
      const clients = [ds, await backend.open()];
      await Promise.all(clients.map(async (c) => {
        for (let i = 0; i < times; i++) {
          for (;;) {
            const cur = await c.get<Resource<'FelixConfiguration', { reportingIntervalSecs: number }>>({ kind: 'FelixConfiguration', name: 'counter' });
            cur.spec!.reportingIntervalSecs++;
            try {
              await c.update(cur);
              break;
            } catch (err) {
              if ((err as CalicoError).code !== 'CALICO_ERR_CONFLICT') throw err;
            }
          }
          await new Promise((r) => setImmediate(r));
        }
      }));
      await clients[1]!.close();
    }
    assert.deepEqual((await ds.get({ kind: 'FelixConfiguration', name: 'counter' })).spec, { reportingIntervalSecs: 2 * times });
  }));

  if (options.crossProcess) {
    test(`${name}: a watcher in another process sees every write in order`, withStore(async (ds, backend) => {
      const child = await ChildClient.start(backend.childEnv!);
      try {
        const r0 = await ds.currentRevision();
        assert.ok((await child.request({ op: 'watch', kind: 'IPPool', fromRevision: r0 })).ok);
        const written: string[] = [];
        for (let i = 0; i < 40; i++) {
          const r = await ds.create(pool(`x${i}`));
          written.push(`${r.metadata.name}@${r.metadata.resourceVersion}`);
        }
        await ds.delete({ kind: 'IPPool', name: 'x0' });
        await child.next((l) => l.includes('"deleted"'), 15_000);
        const events = child.lines.filter((l) => l.startsWith('{"event"')).map((l) => (JSON.parse(l) as { event: WatchEvent }).event);
        assert.deepEqual(events.slice(0, 40).map((e) => (e.type === 'relist' ? 'relist' : `${e.object.metadata.name}@${e.revision}`)), written);
        assert.equal(events.length, 41);
      } finally {
        await child.exit();
      }
    }));
  }

  if (options.crashSafety) {
    test(`${name}: every acknowledged write survives kill -9 of the writer`, withStore(async (ds, backend) => {
      const child = await ChildClient.start(backend.childEnv!);
      child.send({ op: 'createLoop', kind: 'GlobalNetworkSet', prefix: 'crash-', count: 0 });
      // Kill in the middle of the stream of writes.
      await child.next((l) => l.startsWith('acked crash-300 '), 30_000);
      await child.kill('SIGKILL');
      const acked = child.lines.filter((l) => l.startsWith('acked ')).map((l) => l.split(' ')[1]!);
      assert.ok(acked.length >= 301);
      const reader = await backend.open();
      try {
        const stored = new Set((await reader.list({ kind: 'GlobalNetworkSet' })).items.map((i) => i.metadata.name));
        const missing = acked.filter((n) => !stored.has(n));
        assert.deepEqual(missing, []);
        // The store is still writable and consistent after the crash.
        const after = await reader.create(pool('after-crash'));
        assert.equal(Number(after.metadata.resourceVersion), await reader.currentRevision());
      } finally {
        await reader.close();
      }
    }));
  }
}
