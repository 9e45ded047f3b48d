/**
 * Rewrites whole chains (flush + rules) and changes named sets' elements, in one atomic batch over an
 * nf_tables netlink socket, without nft.
 *
 * Why: nft 1.0.6 re-reads every chain in the namespace before each transaction (~1 us per chain, ~8 ms
 * at 7,000 chains), which alone would miss Felix's 10 ms policy-programming target; the kernel commit
 * of a policy chain rewrite costs ~3.5 ms at that size. The socket lives in the network namespace this
 * process runs in.
 */
import type { ChainRules, SetElementChanges } from '../model.js';
import { NftBatch, type EncodedBatch } from './nft-batch.js';
import type { NftSocket } from './nft-socket.js';
import { compileRule } from './rule-compile.js';
import { encodeSetElements } from './set-elements.js';

/**
 * The batch changing the sets' elements (removals first) and replacing each chain's rules; undefined when
 * a rule or element has a form the encoder does not know.
 */
export function encodeChainRewrites(changes: readonly ChainRules[], sets: readonly SetElementChanges[] = []): EncodedBatch | undefined {
  const batch = new NftBatch();
  for (const s of sets) {
    for (const [op, elements] of [['delete', s.remove], ['add', s.add]] as const) {
      if (elements.length === 0) continue;
      const encoded = encodeSetElements(s.family, s.type, s.interval, elements);
      if (!encoded) return undefined;
      batch.setElements(op, s.family, s.table, s.set, encoded);
    }
  }
  for (const c of changes) {
    batch.flushChain(c.family, c.table, c.chain);
    for (const line of c.rules) {
      const rule = compileRule(c.family, line);
      if (!rule) return undefined;
      batch.addRule(c.family, c.table, c.chain, rule.exprs, rule.userdata, rule.anonSets);
    }
  }
  return batch.finish();
}

export class NetlinkChainWriter {
  #socket: Promise<NftSocket> | undefined;

  /**
   * Changes the sets' elements and replaces the chains' rules in one transaction. Resolves false, having
   * sent nothing, when some rule or element cannot be encoded (the caller uses nft); rejects with
   * NftBatchError when the kernel refuses the batch (nothing was applied).
   */
  /**
   * Opens the socket ahead of the first change (loading the addon and creating the socket takes tens
   * of milliseconds, which would otherwise land on the first policy edit). Errors surface on use.
   */
  open(): void {
    this.#open().catch(() => undefined);
  }

  #open(): Promise<NftSocket> {
    this.#socket ??= import('./nft-socket.js').then(({ NftSocket }) => new NftSocket());
    return this.#socket;
  }

  async replaceChains(changes: readonly ChainRules[], sets: readonly SetElementChanges[] = []): Promise<boolean> {
    const batch = encodeChainRewrites(changes, sets);
    if (!batch) return false;
    await (await this.#open()).commit(batch);
    return true;
  }

  close(): void {
    void this.#socket?.then((s) => s.close(), () => undefined);
    this.#socket = undefined;
  }
}
