import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, UsageError, type OptionSpec } from './args.js';

const SPECS: OptionSpec[] = [
  { long: 'filename', short: 'f', value: true },
  { long: 'recursive', short: 'R' },
  { long: 'skip-not-exists', short: 's' },
  { long: 'output', short: 'o', value: true },
];

test('parseArgs() reads short, long, inline and bundled options', () => {
  const p = parseArgs(['get', '-f', 'a.yaml', '--output=wide', '-sR', 'x'], SPECS);
  assert.deepEqual(p.positionals, ['get', 'x']);
  assert.equal(p.options.get('filename'), 'a.yaml');
  assert.equal(p.options.get('output'), 'wide');
  assert.equal(p.options.get('skip-not-exists'), true);
  assert.equal(p.options.get('recursive'), true);
  assert.equal(parseArgs(['-oyaml'], SPECS).options.get('output'), 'yaml');
  assert.equal(parseArgs(['--filename', '-'], SPECS).options.get('filename'), '-');
});

test('parseArgs() treats words after -- as positionals and notices --help', () => {
  const p = parseArgs(['--', '-f', 'x'], SPECS);
  assert.deepEqual(p.positionals, ['-f', 'x']);
  assert.equal(parseArgs(['-h'], SPECS).help, true);
});

test('parseArgs() rejects unknown options and missing values', () => {
  assert.throws(() => parseArgs(['--bogus'], SPECS), UsageError);
  assert.throws(() => parseArgs(['-x'], SPECS), UsageError);
  assert.throws(() => parseArgs(['-f'], SPECS), UsageError);
  // A flag given a value is a mistake, not a silent ignore.
  assert.throws(() => parseArgs(['--recursive=yes'], SPECS), UsageError);
});
