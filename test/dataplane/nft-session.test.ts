/**
 * The resident `nft -i` session against a real kernel (in a netns of its own): one line is one atomic
 * transaction, errors are reported per transaction, and the session keeps working after an error. Also
 * the runner's table listing, as a full replace uses it to remove shard tables of ours it no longer renders.
 * Needs root (network namespaces, nftables).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { buildTables, ExecNftRunner, NftError, shardTableName, WORKLOAD_SHARDS } from '../../src/dataplane/nftables/index.js';
import { NftApplier } from '../../src/dataplane/nftables/nft-applier.js';
import { emptyDataplaneState } from '../../src/dataplane/nftables/model.js';

const netns = `t${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;

function chains(): string[] {
  const out = execFileSync('ip', ['netns', 'exec', netns, 'nft', 'list', 'chains', 'ip'], { encoding: 'utf8' });
  return [...out.matchAll(/chain (\S+) \{/g)].map((m) => m[1]!).sort();
}

test('nft session: transactions apply atomically and errors are reported per transaction', async (t) => {
  execFileSync('ip', ['netns', 'add', netns]);
  const runner = new ExecNftRunner({ netns });
  t.after(() => {
    runner.close();
    execFileSync('ip', ['netns', 'del', netns]);
  });
  await runner.run('add table ip calico\nadd chain ip calico a\nadd rule ip calico a counter drop comment "x;y"\n');
  assert.deepEqual(chains(), ['a']);

  // The second command fails, so the first (in the same transaction) must not be applied.
  const err = await runner.run('add chain ip calico b\nadd rule ip calico cali-missing drop\n').then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof NftError, 'a failing transaction rejects with NftError');
  assert.match(err.message, /Could not process rule: No such file or directory/);
  assert.deepEqual(chains(), ['a']);

  // A multi-line set block and a later transaction still work on the same session.
  await runner.run('add set ip calico s {\n\ttype ipv4_addr\n\tflags interval\n\telements = { 10.0.0.0/8, 192.0.2.1 }\n}\nadd chain ip calico c\n');
  assert.deepEqual(chains(), ['a', 'c']);
  const set = execFileSync('ip', ['netns', 'exec', netns, 'nft', 'list', 'set', 'ip', 'calico', 's'], { encoding: 'utf8' });
  assert.match(set, /10\.0\.0\.0\/8/);

  // Concurrent calls are serialised, each with its own outcome.
  const results = await Promise.allSettled([
    runner.run('add chain ip calico d\n'),
    runner.run('add rule ip calico cali-nope drop\n'),
    runner.run('add chain ip calico e\n'),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.deepEqual(chains(), ['a', 'c', 'd', 'e']);

  // After the process ends, the next transaction starts a new one.
  runner.close();
  await runner.run('add chain ip calico f\n');
  assert.deepEqual(chains(), ['a', 'c', 'd', 'e', 'f']);
});

test('a full replace on a real kernel deletes a shard table of ours it no longer renders, and leaves others alone', async (t) => {
  const ns = `${netns}r`;
  execFileSync('ip', ['netns', 'add', ns]);
  const runner = new ExecNftRunner({ netns: ns });
  t.after(() => {
    runner.close();
    execFileSync('ip', ['netns', 'del', ns]);
  });
  await runner.run('add table ip calico-wl7\nadd table ip other\nadd table ip6 calico-wl7\n');
  assert.deepEqual((await runner.listTables()).map((x) => `${x.family} ${x.name}`).sort(), ['ip calico-wl7', 'ip other', 'ip6 calico-wl7']);
  const applier = new NftApplier(runner);
  await applier.apply(buildTables(emptyDataplaneState(), 'ip'));
  const tables = (await runner.listTables()).map((x) => `${x.family} ${x.name}`).sort();
  // ip6 is not rendered here, so its tables are not ours to judge.
  assert.deepEqual(tables, ['ip calico', ...Array.from({ length: WORKLOAD_SHARDS }, (_, k) => `ip ${shardTableName(k)}`), 'ip other', 'ip6 calico-wl7'].sort());
});
