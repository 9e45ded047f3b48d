import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Resource } from '../../src/api/types.js';
import { openEmbeddedDatastore } from '../../src/datastore/embedded.js';
import { ChildClient } from './_child-client.js';
import { datastoreConformance } from './conformance.js';

datastoreConformance({
  name: 'embedded',
  crossProcess: true,
  crashSafety: true,
  setup: async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'calico-ds-'));
    return {
      open: () => openEmbeddedDatastore({ dataDir }),
      childEnv: { DATASTORE_TYPE: 'embedded', CALICO_DATA_DIR: dataDir },
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  },
});

test('embedded: bounded history compacts as writes go on; old watches relist, recent ones replay', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'calico-ds-'));
  const ds = await openEmbeddedDatastore({ dataDir, historyLimit: 20 });
  try {
    for (let i = 0; i < 60; i++) await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: `t${i}` } });
    const old = ds.watch({ fromRevision: 1 });
    const oldEvents = [];
    for await (const e of old) oldEvents.push(e.type);
    assert.deepEqual(oldEvents, ['relist']);
    const recent = ds.watch({ fromRevision: 50 });
    const it = recent[Symbol.asyncIterator]();
    const revisions = [];
    for (let i = 0; i < 10; i++) {
      const r = await it.next();
      revisions.push(r.value?.type === 'added' ? r.value.revision : -1);
    }
    assert.deepEqual(revisions, [51, 52, 53, 54, 55, 56, 57, 58, 59, 60]);
    recent.close();
  } finally {
    await ds.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('embedded: reopening an existing store keeps data and revisions', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'calico-ds-'));
  try {
    const a = await openEmbeddedDatastore({ dataDir });
    const created: Resource = await a.create({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'kept' } });
    await a.close();
    const b = await openEmbeddedDatastore({ dataDir });
    assert.deepEqual(await b.get({ kind: 'Tier', name: 'kept' }), created);
    assert.equal(await b.currentRevision(), Number(created.metadata.resourceVersion));
    await assert.rejects(a.get({ kind: 'Tier', name: 'kept' }), /closed/);
    await b.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('embedded: processes opening a brand-new store at once all get one schema and unique revisions', async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'calico-ds-')), 'fresh');
  const env = { DATASTORE_TYPE: 'embedded', CALICO_DATA_DIR: dataDir };
  try {
    const children = await Promise.all([0, 1, 2, 3].map(() => ChildClient.start(env)));
    try {
      const done = children.map((c, i) => {
        const from = c.lines.length;
        c.send({ op: 'createLoop', kind: 'Tier', prefix: `c${i}-`, count: 20 });
        return c.next((l) => l.startsWith('{"ok"'), 30_000, from);
      });
      await Promise.all(done);
    } finally {
      await Promise.all(children.map((c) => c.exit()));
    }
    const acked = children.flatMap((c) => c.lines.filter((l) => l.startsWith('acked ')).map((l) => Number(l.split(' ')[2])));
    assert.deepEqual([...acked].sort((a, b) => a - b), Array.from({ length: 80 }, (_, i) => i + 1));
    const ds = await openEmbeddedDatastore({ dataDir });
    assert.equal((await ds.list({ kind: 'Tier' })).items.length, 80);
    await ds.close();
  } finally {
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  }
});
