import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGoDuration } from './duration.js';

test('parseGoDuration() reads Go durations in milliseconds', () => {
  assert.equal(parseGoDuration('15m'), 900_000);
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('10s'), 10_000);
  assert.equal(parseGoDuration('500ms'), 500);
  assert.equal(parseGoDuration('1.5s'), 1500);
  assert.equal(parseGoDuration('0s'), 0);
  assert.equal(parseGoDuration('0'), 0);
});

test('parseGoDuration() rejects what Go rejects', () => {
  for (const bad of ['10', '', 's', '5 minutes', '1m30', '-1s', 'often']) assert.equal(parseGoDuration(bad), undefined, bad);
});
