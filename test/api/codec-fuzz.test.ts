/**
 * Fuzzing the manifest path: whatever the input, parseManifests and prepareResource either succeed or throw our
 * ParseError / ValidationError — never a TypeError from deep inside, never a hang. Sizes are bounded.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseManifests, ParseError, prepareResource, type Resource } from '../../src/api/index.js';
import { ValidationError } from '../../src/lib/errors.js';
import { repoPath } from '../helpers/paths.js';

function onlyOurErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParseError || e instanceof ValidationError) return;
    throw e;
  }
}

function parseAndPrepare(text: string): void {
  onlyOurErrors(() => {
    for (const r of parseManifests(text, 'fuzz')) onlyOurErrors(() => prepareResource(r));
  });
}

const YAML_CHARS = [...'abkindpecmtSaVv3/.:- \n\t#&*!|>\'"%@[]{},?0123456789'];
const yamlish = fc.array(fc.constantFrom(...YAML_CHARS), { maxLength: 200 }).map((cs) => cs.join(''));

const KINDS = ['IPPool', 'NetworkPolicy', 'GlobalNetworkPolicy', 'Tier', 'BGPPeer', 'BGPConfiguration', 'HostEndpoint', 'List', 'IPPoolList', 'Namespace', 'Bogus'];
const APIS = ['projectcalico.org/v3', 'networking.k8s.io/v1', 'v1', 'x'];
const resourceish = fc.record(
  {
    apiVersion: fc.constantFrom(...APIS),
    kind: fc.constantFrom(...KINDS),
    metadata: fc.oneof(fc.record({ name: fc.string({ maxLength: 20 }), namespace: fc.string({ maxLength: 10 }) }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 2 })),
    spec: fc.jsonValue({ maxDepth: 4 }),
    items: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

test('parseManifests() on random YAML-ish text throws only ParseError', () => {
  fc.assert(
    fc.property(yamlish, (text) => {
      onlyOurErrors(() => parseManifests(text, 'fuzz'));
    }),
    { numRuns: 1500 },
  );
});

test('random resource-shaped documents (YAML and JSON) only raise our errors', () => {
  fc.assert(
    fc.property(fc.array(resourceish, { minLength: 1, maxLength: 3 }), fc.boolean(), (docs, asJSON) => {
      const text = asJSON ? JSON.stringify(docs.length === 1 ? docs[0] : docs) : docs.map((d) => stringify(d)).join('---\n');
      parseAndPrepare(text);
    }),
    { numRuns: 600 },
  );
});

// Valid fixtures with one field replaced by random JSON: every validator must cope with wrong types.
const VALID_DIR = repoPath('test/fixtures/api/valid');
const SEEDS: Resource[] = readdirSync(VALID_DIR)
  .filter((f) => !f.includes('.expected.'))
  .flatMap((f) => parseManifests(readFileSync(join(VALID_DIR, f), 'utf8'), f));

function paths(v: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  out.push(prefix);
  if (prefix.length < 6 && typeof v === 'object' && v !== null) {
    for (const [k, child] of Object.entries(v)) paths(child, [...prefix, k], out);
  }
  return out;
}

function replaceAt(root: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[path[path.length - 1] as string] = value;
  return copy;
}

test('mutated valid resources only raise ValidationError', () => {
  assert.ok(SEEDS.length > 30);
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.jsonValue({ maxDepth: 3 }), (i, j, value) => {
      const seed = SEEDS[i % SEEDS.length] as Resource;
      const all = paths(seed);
      const path = all[j % all.length] as string[];
      onlyOurErrors(() => prepareResource(replaceAt(seed, path, value) as Resource));
    }),
    { numRuns: 2000 },
  );
});

// The timeout turns a hang into a failure; it is not a speed target.
test('parseManifests() copes with pathological inputs', { timeout: 120_000 }, () => {
  const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  const wide = `apiVersion: v1\nkind: List\nitems:\n${'- {apiVersion: v1, kind: Namespace, metadata: {name: n}}\n'.repeat(2000)}`;
  onlyOurErrors(() => parseManifests(deep));
  assert.equal(parseManifests(wide).length, 2000);
});
