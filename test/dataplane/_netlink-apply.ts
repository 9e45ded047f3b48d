/**
 * Test helper run inside a network namespace (`ip netns exec <ns> node _netlink-apply.js`): reads
 * ChainRules[] (or `{ chains, sets }` with SetElementChanges[]) as JSON on stdin, applies them over
 * netlink, prints `sent` or `unsupported`, or the kernel's refusal on stderr with exit status 1. A netlink
 * socket opens in the namespace of the process that creates it, hence a process of its own.
 */
import { readFileSync } from 'node:fs';
import type { ChainRules, SetElementChanges } from '../../src/dataplane/nftables/model.js';
import { NetlinkChainWriter } from '../../src/dataplane/nftables/netlink/chain-writer.js';

const input = JSON.parse(readFileSync(0, 'utf8')) as ChainRules[] | { chains: ChainRules[]; sets: SetElementChanges[] };
const { chains, sets } = Array.isArray(input) ? { chains: input, sets: [] } : input;
const writer = new NetlinkChainWriter();
try {
  process.stdout.write((await writer.replaceChains(chains, sets)) ? 'sent\n' : 'unsupported\n');
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  writer.close();
}
