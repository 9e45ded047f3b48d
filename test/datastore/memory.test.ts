import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryDatastore } from '../../src/datastore/memory.js';
import { datastoreConformance } from './conformance.js';

datastoreConformance({
  name: 'memory',
  crossProcess: false,
  crashSafety: false,
  setup: async () => {
    const root = new MemoryDatastore();
    return { open: async () => root.reopen(), cleanup: async () => root.close() };
  },
});

test('memory: bounded history drops old changes and relists watches from before them', async () => {
  const ds = new MemoryDatastore({ historyLimit: 3, now: () => new Date('2026-01-02T03:04:05.678Z') });
  for (let i = 0; i < 6; i++) await ds.create({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: `t${i}` } });
  assert.equal((await ds.get({ kind: 'Tier', name: 't0' })).metadata.creationTimestamp, '2026-01-02T03:04:05Z');
  // Revisions 4..6 are kept: watching from 3 is fine, from 2 relists.
  const ok = ds.watch({ fromRevision: 3 });
  const first = await ok[Symbol.asyncIterator]().next();
  assert.equal(first.value?.type === 'added' && first.value.revision, 4);
  ok.close();
  const old = ds.watch({ fromRevision: 2 });
  const events = [];
  for await (const e of old) events.push(e.type);
  assert.deepEqual(events, ['relist']);
  await ds.close();
});
