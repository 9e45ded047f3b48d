import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as C from './constants.js';
import { encodeChainRewrites } from './chain-writer.js';
import { NftBatch } from './nft-batch.js';
import { parseAttrs, parseMessages } from './nlattr.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('a batch is BEGIN, the commands with NLM_F_ACK, END, numbered from 0', () => {
  const b = new NftBatch().flushChain('ip', 'calico', 'c').finish();
  const msgs = parseMessages(b.bytes);
  assert.deepEqual(msgs.map((m) => [m.type, m.seq]), [[C.NFNL_MSG_BATCH_BEGIN, 0], [(C.NFNL_SUBSYS_NFTABLES << 8) | C.NFT_MSG_DELRULE, 1], [C.NFNL_MSG_BATCH_END, 2]]);
  assert.deepEqual(msgs[0]!.payload, hex('00 00 00 0a')); // AF_UNSPEC, v0, res_id = htons(NFNL_SUBSYS_NFTABLES)
  assert.equal(msgs[1]!.flags, C.NLM_F_REQUEST | C.NLM_F_ACK);
  assert.equal(b.commands.get(1), 'flush chain ip calico c');
});

test('DELRULE with table and chain only flushes the chain; BATCH_GENID is carried on BEGIN', () => {
  const b = new NftBatch({ genId: 7, ack: false }).flushChain('ip', 'calico', 'c').finish();
  const [begin, del] = parseMessages(b.bytes);
  assert.deepEqual(parseAttrs(begin!.payload.subarray(4)).get(C.NFNL_BATCH_GENID), hex('00000007'));
  assert.equal(del!.flags, C.NLM_F_REQUEST);
  const attrs = parseAttrs(del!.payload.subarray(4));
  assert.equal(attrs.get(C.NFTA_RULE_CHAIN)!.toString(), 'c\0');
  assert.equal(attrs.has(C.NFTA_RULE_HANDLE), false);
});

test('chain rewrites: one flush and one NEWRULE per rule, all in one batch; unknown forms encode nothing', () => {
  const b = encodeChainRewrites([
    { family: 'ip', table: 'calico', chain: 'cali-pi-a', rules: ['th dport 80 drop', 'accept comment "cali:x"'] },
    { family: 'ip6', table: 'calico', chain: 'cali-pi-a', rules: [] },
  ])!;
  const msgs = parseMessages(b.bytes);
  const NEWRULE = (C.NFNL_SUBSYS_NFTABLES << 8) | C.NFT_MSG_NEWRULE;
  const DELRULE = (C.NFNL_SUBSYS_NFTABLES << 8) | C.NFT_MSG_DELRULE;
  assert.deepEqual(msgs.map((m) => m.type), [C.NFNL_MSG_BATCH_BEGIN, DELRULE, NEWRULE, NEWRULE, DELRULE, C.NFNL_MSG_BATCH_END]);
  assert.equal(msgs[4]!.payload[0], C.NFPROTO_IPV6);
  const second = parseAttrs(msgs[3]!.payload.subarray(4));
  assert.deepEqual(second.get(C.NFTA_RULE_USERDATA), Buffer.from('\x00\x07cali:x\x00', 'latin1'));
  assert.equal(encodeChainRewrites([{ family: 'ip', table: 'calico', chain: 'c', rules: ['ct state established accept'] }]), undefined);
});
