import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { sha1Hex } from './sha1.js';

test('sha1Hex() matches the FIPS 180 examples', () => {
  assert.equal(sha1Hex(''), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
  assert.equal(sha1Hex('abc'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.equal(sha1Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'), '84983e441c3bd26ebaae4aa1f95129e5e54670f1');
});

test('sha1Hex() agrees with node:crypto on any string, across block boundaries', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
      assert.equal(sha1Hex(s), createHash('sha1').update(s).digest('hex'));
    }),
    { numRuns: 500 },
  );
  for (let n = 50; n < 140; n++) {
    const s = 'x'.repeat(n);
    assert.equal(sha1Hex(s), createHash('sha1').update(s).digest('hex'), `length ${n}`);
  }
});
