import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRule } from './rule-compile.js';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

test('a policy rule compiles to nft 1.0.6\'s expressions', () => {
  const r = compileRule('ip', 'meta l4proto tcp ip saddr @cali40s-x th dport 8000 meta mark set meta mark | 0x10000 return comment "cali:abc"')!;
  assert.deepEqual(r.exprs.map((e) => e.type), ['meta', 'cmp', 'payload', 'lookup', 'payload', 'cmp', 'meta', 'bitwise', 'metaSet', 'immediate']);
  assert.deepEqual(r.exprs[1], { type: 'cmp', sreg: 1, op: 'eq', data: hex('06') });
  assert.deepEqual(r.exprs[2], { type: 'payload', base: 'network', offset: 12, len: 4, dreg: 1 });
  assert.deepEqual(r.exprs[3], { type: 'lookup', sreg: 1, set: 'cali40s-x', invert: false });
  assert.deepEqual(r.exprs[5], { type: 'cmp', sreg: 1, op: 'eq', data: hex('1f40') });
  assert.deepEqual(r.exprs[9], { type: 'immediate', verdict: { kind: 'return' } });
  assert.deepEqual(r.userdata, Buffer.from('\x00\x09cali:abc\x00', 'latin1'));
});

test('prefixes load only their whole bytes, else mask; ranges and lists', () => {
  assert.deepEqual(compileRule('ip', 'ip daddr != 10.1.0.0/16 drop')!.exprs.slice(0, 2), [
    { type: 'payload', base: 'network', offset: 16, len: 2, dreg: 1 },
    { type: 'cmp', sreg: 1, op: 'neq', data: hex('0a01') },
  ]);
  const masked = compileRule('ip6', 'ip6 saddr fd00::/60 drop')!.exprs;
  assert.equal(masked[1]!.type, 'bitwise');
  assert.deepEqual(compileRule('ip', 'th dport 80-90 drop')!.exprs.slice(1, 3).map((e) => e.type === 'cmp' && e.op), ['gte', 'lte']);
  const list = compileRule('ip', 'th dport != { 443, 80-90, 85-100 } drop')!;
  assert.deepEqual(list.anonSets, [{ keyType: 13, keyLen: 2, interval: true, elements: [{ key: hex('0050') }, { key: hex('0065'), end: true }, { key: hex('01bb') }, { key: hex('01bc'), end: true }] }]);
  assert.deepEqual(list.exprs[1], { type: 'lookup', sreg: 1, anon: 0, invert: true });
  assert.equal(compileRule('ip', 'th dport { 80, 443 } drop')!.anonSets![0]!.interval, false);
});

test('forms the compiler does not know, or a family mismatch, give undefined', () => {
  for (const line of ['ct state established,related accept', 'iifname "cali*" jump x', 'ip6 saddr fd00::/8 drop', 'ip saddr 10.0.0.1/8 drop', 'ip saddr 0.0.0.0/0 drop', 'drop drop', 'th dport 70000 drop']) {
    assert.equal(compileRule('ip', line), undefined, line);
  }
});
