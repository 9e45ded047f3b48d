/** Figures read back from the kernel for the benchmarks. */
import { runCommand } from '../src/lab/exec.js';

/** Rules in all of the family's tables (`nft -j`, so wrapped set elements are never mistaken for rules). */
export async function ruleCount(family: 'ip' | 'ip6', netns?: string): Promise<number> {
  const argv = ['nft', '-j', 'list', 'ruleset', family];
  const r = netns ? await runCommand('ip', ['netns', 'exec', netns, ...argv]) : await runCommand(argv[0]!, argv.slice(1));
  if (r.code !== 0) throw new Error(`nft list ruleset ${family} failed: ${r.stderr.trim()}`);
  return (JSON.parse(r.stdout) as { nftables: object[] }).nftables.filter((i) => 'rule' in i).length;
}
