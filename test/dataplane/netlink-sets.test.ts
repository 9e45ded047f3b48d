/**
 * Set elements changed over our own nf_tables netlink socket against the same changes made by nft, on a
 * real kernel: for every kind of IP set we render (addresses, CIDR intervals, named-port concatenations,
 * both families), random sequences of member changes must leave both sets listing identically.
 * Needs root (network namespaces, nftables).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import type { IPSetType } from '../../src/calc/dataplane-api.js';
import { elementScript } from '../../src/dataplane/nftables/format.js';
import type { NftSet, SetElementChanges } from '../../src/dataplane/nftables/model.js';
import type { NftFamily } from '../../src/dataplane/nftables/names.js';
import { renderIPSet } from '../../src/dataplane/nftables/sets.js';
import { nodeCommand } from '../helpers/paths.js';

const netns = `ns${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;

function nft(...args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', netns, 'nft', ...args], { encoding: 'utf8' });
}

/** The set's listing without its table and name, for comparing the two copies. */
function body(family: NftFamily, table: string, set: string): string {
  return nft('list', 'set', family, table, set).split('\n').slice(2).join('\n');
}

const KINDS: Array<{ type: IPSetType; members: fc.Arbitrary<string>; family: NftFamily }> = [];
const v4host = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 })).map(([c, d]) => `10.65.${c}.${d}`);
const v4net = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(24, 25, 26, 28, 30, 32), fc.integer({ min: 0, max: 255 }))
  .map(([c, bits, d]) => `10.65.${c}.${d & ~((1 << (32 - bits)) - 1) & 255}/${bits}`);
const v6host = fc.integer({ min: 1, max: 300 }).map((n) => `fd00::${n.toString(16)}`);
const v6net = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.constantFrom(64, 96, 120, 128)).map(([n, bits]) => `fd00:${n}::/${bits}`);
const port = fc.tuple(fc.constantFrom('tcp', 'udp', 'sctp'), fc.integer({ min: 1, max: 65535 })).map(([p, n]) => `${p}:${n}`);
KINDS.push(
  { type: 'ip', family: 'ip', members: v4host.map((a) => `${a}/32`) },
  { type: 'net', family: 'ip', members: fc.oneof(v4net, fc.constant('0.0.0.0/0'), fc.constant('128.0.0.0/1')) },
  { type: 'ip-and-port', family: 'ip', members: fc.tuple(v4host, port).map(([a, p]) => `${a},${p}`) },
  { type: 'ip', family: 'ip6', members: v6host.map((a) => `${a}/128`) },
  { type: 'net', family: 'ip6', members: fc.oneof(v6net, fc.constant('::/0')) },
  { type: 'ip-and-port', family: 'ip6', members: fc.tuple(v6host, port).map(([a, p]) => `${a},${p}`) },
);

test('IP set member changes over netlink list exactly as the same changes made by nft', async (t) => {
  execFileSync('ip', ['netns', 'add', netns]);
  t.after(() => execFileSync('ip', ['netns', 'del', netns]));
  const steps = 6;
  // Per kind: a sequence of member sets; each step moves both copies from the previous rendering to the next.
  const plans = KINDS.map((k, i) => fc.sample(fc.array(fc.uniqueArray(k.members, { maxLength: 12 }), { minLength: steps, maxLength: steps }), { numRuns: 1, seed: 7 + i })[0]!);
  const render = (i: number, members: string[]): NftSet => renderIPSet(`k${i}`, { type: KINDS[i]!.type, members: new Set(members) }, KINDS[i]!.family);

  const setup: string[] = [];
  for (const family of ['ip', 'ip6'] as const) for (const table of ['ref', 'nl']) setup.push(`add table ${family} ${table}`);
  KINDS.forEach((k, i) => {
    const s = render(i, []);
    for (const table of ['ref', 'nl']) setup.push(`add set ${k.family} ${table} ${s.name} { type ${s.type};${s.interval ? ' flags interval;' : ''} }`);
  });
  execFileSync('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], { input: `${setup.join('\n')}\n` });

  let previous = KINDS.map((_, i) => render(i, []));
  for (let step = 0; step < steps; step++) {
    const next = KINDS.map((_, i) => render(i, plans[i]![step]!));
    const changes: SetElementChanges[] = [];
    next.forEach((s, i) => {
      const old = new Set(previous[i]!.elements);
      const now = new Set(s.elements);
      const c = { family: KINDS[i]!.family, table: 'nl', set: s.name, type: s.type, interval: s.interval, remove: previous[i]!.elements.filter((e) => !now.has(e)), add: s.elements.filter((e) => !old.has(e)) };
      if (c.remove.length + c.add.length > 0) changes.push(c);
    });
    if (changes.length > 0) {
      execFileSync('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], { input: elementScript(changes.map((c) => ({ ...c, table: 'ref' }))) });
      const r = spawnSync('ip', ['netns', 'exec', netns, ...nodeCommand('test/dataplane/_netlink-apply')], { input: JSON.stringify({ chains: [], sets: changes }), encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'sent');
    }
    next.forEach((s, i) => {
      const k = KINDS[i]!;
      assert.equal(body(k.family, 'nl', s.name), body(k.family, 'ref', s.name), `${k.family} ${k.type} after step ${step}: ${JSON.stringify(plans[i]![step])}`);
    });
    previous = next;
  }
});
