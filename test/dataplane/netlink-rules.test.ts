/**
 * Chains rewritten over our own nf_tables netlink socket against the same chains written by nft, on a
 * real kernel: for every rule form our renderers emit (random policy rules through renderRule, and the
 * mark-scheme lines), both must list identically, and a refused batch must change nothing.
 * Needs root (network namespaces, nftables).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { defaultDataplaneConfig, type ParsedRule } from '../../src/calc/dataplane-api.js';
import { compileRule } from '../../src/dataplane/nftables/netlink/rule-compile.js';
import type { ChainRules } from '../../src/dataplane/nftables/model.js';
import { CLEAR_ACCEPT_PASS, IF_NOT_PASSED, IF_UNDECIDED, SET_ACCEPT, SET_PASS, ipSetName, type NftFamily } from '../../src/dataplane/nftables/names.js';
import { renderRule } from '../../src/dataplane/nftables/rule-render.js';
import { nodeCommand } from '../helpers/paths.js';

const netns = `nl${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;

function nft(...args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', netns, 'nft', ...args], { encoding: 'utf8' });
}

function applyOverNetlink(changes: ChainRules[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', netns, ...nodeCommand('test/dataplane/_netlink-apply')], { input: JSON.stringify(changes), encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Chain bodies of `family calico` by name, as nft lists them (handles and counters do not appear). */
function chainBodies(family: NftFamily): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of nft('list', 'table', family, 'calico').matchAll(/\tchain (\S+) \{\n([\s\S]*?)\t\}/g)) out.set(m[1]!, m[2]!);
  return out;
}

const SETUP = (f: NftFamily): string => {
  const addr = f === 'ip' ? 'ipv4_addr' : 'ipv6_addr';
  return `add table ${f} calico\nadd set ${f} calico ${ipSetName(f, 'a')} { type ${addr}; }\nadd set ${f} calico ${ipSetName(f, 'p')} { type ${addr} . inet_proto . inet_service; }\n`;
};

const port = fc.integer({ min: 1, max: 65535 });
const portRange = fc.oneof(port.map((p) => ({ first: p, last: p })), fc.tuple(port, port).map(([a, b]) => ({ first: Math.min(a, b), last: Math.max(a, b) })));
const v4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 32 }))
  .map(([a, b, c, bits]) => {
    const n = ((a << 24) | (b << 16) | (c << 8)) >>> 0;
    const masked = bits === 32 ? n : (n & (~((1 << (32 - bits)) - 1) >>> 0)) >>> 0;
    return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${bits}`;
  });
const v6 = fc.constantFrom('fd00::/8', 'fd00::/16', 'fd00:1::/48', 'fd00:1:2::/60', 'fd00:1:2:3::/64', 'fd00::1/128', 'fd00::/127', '2001:db8::/32');
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });

/** Valid Calico rules only: ports need TCP, UDP or SCTP, and ICMP matches need an ICMP protocol. */
const common = {
  action: fc.constantFrom('allow', 'deny', 'pass', 'log', 'next-tier') as fc.Arbitrary<ParsedRule['action']>,
  srcNets: maybe(fc.array(fc.oneof(v4, v6), { minLength: 1, maxLength: 1 })),
  notDstNets: maybe(fc.array(fc.oneof(v4, v6), { minLength: 1, maxLength: 2 })),
  srcIPSetIds: maybe(fc.constant(['a'])),
  notDstIPSetIds: maybe(fc.constant(['a'])),
  ruleId: fc.stringMatching(/^[A-Za-z0-9_-]{16}$/),
};
const rule: fc.Arbitrary<ParsedRule> = fc.oneof(
  fc.record({
    ...common,
    protocol: fc.constantFrom('tcp', 'udp', 'sctp'),
    dstPorts: maybe(fc.array(portRange, { minLength: 1, maxLength: 2 })),
    notSrcPorts: maybe(fc.array(portRange, { minLength: 1, maxLength: 1 })),
    dstNamedPortIPSetIds: maybe(fc.constant(['p'])),
  }, { requiredKeys: ['action', 'ruleId', 'protocol'] }),
  fc.record({
    ...common,
    protocol: fc.constantFrom('icmp', 'icmpv6'),
    icmp: maybe(fc.record({ type: fc.integer({ min: 0, max: 255 }), code: maybe(fc.integer({ min: 0, max: 255 })) }, { requiredKeys: ['type'] })),
  }, { requiredKeys: ['action', 'ruleId', 'protocol'] }),
  fc.record({ ...common, protocol: maybe(fc.constantFrom('47', 'udplite')), notProtocol: maybe(fc.constantFrom('udp', '50')) }, { requiredKeys: ['action', 'ruleId'] }),
) as fc.Arbitrary<ParsedRule>;

test('chains written over netlink list exactly as the same rules written by nft', async (t) => {
  execFileSync('ip', ['netns', 'add', netns]);
  t.after(() => execFileSync('ip', ['netns', 'del', netns]));
  execFileSync('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], { input: SETUP('ip') + SETUP('ip6') });

  const config = defaultDataplaneConfig();
  const lines: Record<NftFamily, string[]> = { ip: [], ip6: [] };
  for (const family of ['ip', 'ip6'] as const) {
    const marks = [`${SET_ACCEPT} return`, `${SET_PASS} return`, CLEAR_ACCEPT_PASS, `${IF_UNDECIDED} drop comment "End of tier"`, `${IF_NOT_PASSED} return`, 'reject', 'jump cali-x', 'goto cali-x', 'accept', `${family} saddr 0.0.0.0/0 drop`.replace('0.0.0.0/0', family === 'ip' ? '10.0.0.0/8' : 'fd00::/8')];
    lines[family].push(...marks);
    for (const r of fc.sample(rule, { numRuns: 150, seed: family === 'ip' ? 42 : 43 })) {
      for (const l of renderRule(r, { family, config })) lines[family].push(l);
    }
  }
  let compiled = 0;
  const skipped: string[] = [];
  const byNft: string[] = [];
  const byNetlink: ChainRules[] = [];
  for (const family of ['ip', 'ip6'] as const) {
    byNft.push(`add chain ${family} calico cali-x`);
    lines[family].forEach((line, i) => {
      if (!compileRule(family, line)) {
        skipped.push(line);
        return;
      }
      compiled++;
      byNft.push(`add chain ${family} calico a${i}`, `add rule ${family} calico a${i} ${line}`, `add chain ${family} calico b${i}`);
      byNetlink.push({ family, table: 'calico', chain: `b${i}`, rules: [line] });
    });
  }
  execFileSync('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], { input: `${byNft.join('\n')}\n` });
  const r = applyOverNetlink(byNetlink);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'sent');

  for (const family of ['ip', 'ip6'] as const) {
    const bodies = chainBodies(family);
    lines[family].forEach((line, i) => {
      if (!bodies.has(`b${i}`)) return;
      assert.equal(bodies.get(`b${i}`), bodies.get(`a${i}`), `${family}: ${line}`);
    });
  }
  // Every rule form we render goes over netlink.
  assert.deepEqual(skipped, [], `compiled ${compiled}`);
});

test('a batch the kernel refuses changes nothing, and rules of an unknown form send nothing', async (t) => {
  execFileSync('ip', ['netns', 'add', netns]);
  t.after(() => execFileSync('ip', ['netns', 'del', netns]));
  execFileSync('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], { input: `${SETUP('ip')}add chain ip calico c\nadd rule ip calico c drop\n` });
  const before = nft('list', 'table', 'ip', 'calico');

  // The second chain does not exist: the whole batch, including the flush of `c`, must be refused.
  const refused = applyOverNetlink([
    { family: 'ip', table: 'calico', chain: 'c', rules: ['accept'] },
    { family: 'ip', table: 'calico', chain: 'missing', rules: ['accept'] },
  ]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /ENOENT/);
  assert.equal(nft('list', 'table', 'ip', 'calico'), before);

  const unknown = applyOverNetlink([{ family: 'ip', table: 'calico', chain: 'c', rules: ['ct state established accept'] }]);
  assert.equal(unknown.stdout.trim(), 'unsupported');
  assert.equal(nft('list', 'table', 'ip', 'calico'), before);

  const ok = applyOverNetlink([{ family: 'ip', table: 'calico', chain: 'c', rules: [`ip saddr @${ipSetName('ip', 'a')} th dport 80 accept comment "cali:k"`] }]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(nft('list', 'chain', 'ip', 'calico', 'c').includes(`ip saddr @${ipSetName('ip', 'a')} th dport 80 accept comment "cali:k"`));
});
