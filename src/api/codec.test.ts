import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseManifests, toJSON, toListJSON, toListYAML, toYAML } from './codec.js';
import { ParseError } from './parse-error.js';
import type { Resource } from './types.js';

const POOL = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: p1
spec:
  cidr: 10.0.0.0/16
`;
const TIER = `apiVersion: projectcalico.org/v3
kind: Tier
metadata:
  name: t1
spec:
  order: 100
`;

test('parseManifests() reads multi-document YAML and skips empty documents', () => {
  const rs = parseManifests(`---\n${POOL}---\n# only a comment\n---\n${TIER}---\n`);
  assert.deepEqual(
    rs.map((r) => [r.kind, r.metadata.name]),
    [
      ['IPPool', 'p1'],
      ['Tier', 't1'],
    ],
  );
});

test('parseManifests() expands kind: List and <Kind>List', () => {
  const generic = parseManifests(`apiVersion: v1\nkind: List\nitems:\n- ${POOL.trim().split('\n').join('\n  ')}\n- ${TIER.trim().split('\n').join('\n  ')}\n`);
  assert.deepEqual(generic.map((r) => r.kind), ['IPPool', 'Tier']);
  // Items of a typed list may leave out kind and apiVersion.
  const typed = parseManifests('apiVersion: projectcalico.org/v3\nkind: IPPoolList\nitems:\n- metadata: {name: a}\n  spec: {cidr: 10.0.0.0/24}\n- metadata: {name: b}\n  spec: {cidr: 10.1.0.0/24}\n');
  assert.deepEqual(typed.map((r) => [r.apiVersion, r.kind, r.metadata.name]), [
    ['projectcalico.org/v3', 'IPPool', 'a'],
    ['projectcalico.org/v3', 'IPPool', 'b'],
  ]);
  assert.deepEqual(parseManifests('apiVersion: v1\nkind: List\nitems: []\n'), []);
});

test('parseManifests() reads JSON objects, JSON arrays and bare YAML sequences', () => {
  const obj = parseManifests(JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 't' } }));
  assert.equal(obj[0]?.metadata.name, 't');
  const arr = parseManifests(JSON.stringify([{ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'a' } }, { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'b' } }]));
  assert.deepEqual(arr.map((r) => r.metadata.name), ['a', 'b']);
  const seq = parseManifests(`- ${POOL.trim().split('\n').join('\n  ')}\n`);
  assert.equal(seq[0]?.kind, 'IPPool');
});

test('parseManifests() reads scalars as Go yaml.v2 does', () => {
  const [r] = parseManifests(
    'apiVersion: projectcalico.org/v3\nkind: X\nmetadata: {name: x}\nspec:\n  a: 80:90\n  b: 1:30\n  c: 2020-01-01\n  d: yes\n  e: "on"\n  f: 0x10\n',
  );
  // Port ranges and dates stay strings (no base-60, no timestamps); YAML 1.1 booleans apply.
  assert.deepEqual(r?.spec, { a: '80:90', b: '1:30', c: '2020-01-01', d: true, e: 'on', f: 16 });
});

test('parseManifests() errors name the source, document and line', async (t) => {
  const rows: Array<[string, string, number, number | undefined]> = [
    ['duplicate key', `${POOL}---\n${TIER}  order: 200\n`, 2, 14],
    ['bad indentation', `${POOL}---\nkind: Tier\n metadata: x\n  bad`, 2, undefined],
    ['no kind', 'apiVersion: v1\nmetadata: {name: x}\n', 1, undefined],
    ['no apiVersion', 'kind: Tier\nmetadata: {name: x}\n', 1, undefined],
    ['scalar document', `${POOL}---\n42\n`, 2, undefined],
    ['list items not a list', 'apiVersion: v1\nkind: List\nitems: 3\n', 1, undefined],
    ['list item not an object', 'apiVersion: v1\nkind: List\nitems: [3]\n', 1, undefined],
  ];
  for (const [name, text, document, line] of rows) {
    await t.test(name, () => {
      assert.throws(
        () => parseManifests(text, 'f.yaml'),
        (e: unknown) => {
          assert.ok(e instanceof ParseError, String(e));
          assert.equal(e.code, 'CALICO_ERR_PARSE');
          assert.equal(e.source, 'f.yaml');
          assert.equal(e.document, document);
          if (line !== undefined) assert.equal(e.line, line);
          assert.match(e.message, /^Cannot parse "f\.yaml" document \d+/);
          return true;
        },
      );
    });
  }
});

test('parseManifests() bounds alias expansion', () => {
  // A "billion laughs" document must fail fast rather than expand.
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
  assert.throws(() => parseManifests(`apiVersion: v1\nkind: X\n${lines.join('\n')}\n`), ParseError);
});

const pool: Resource = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'IPPool',
  metadata: { name: 'p1' },
  spec: { nodeSelector: 'all()', cidr: '10.0.0.0/16', allowedUses: ['Workload', 'Tunnel'], blockSize: 26 },
};

test('toYAML() prints one resource bare, keys sorted, sequences unindented', () => {
  assert.equal(
    toYAML([pool]),
    'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: p1\nspec:\n  allowedUses:\n  - Workload\n  - Tunnel\n  blockSize: 26\n  cidr: 10.0.0.0/16\n  nodeSelector: all()\n',
  );
});

test('toYAML() prints several resources as a sequence that reads back', () => {
  const tier: Resource = { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 't' }, spec: { order: 1 } };
  const text = toYAML([pool, tier]);
  assert.ok(text.startsWith('- apiVersion: projectcalico.org/v3\n  kind: IPPool\n'));
  assert.deepEqual(parseManifests(text), [pool, tier]);
});

test('toJSON() follows Go field order for the envelope and indents by two', () => {
  const text = toJSON([pool]);
  assert.ok(text.startsWith('{\n  "kind": "IPPool",\n  "apiVersion": "projectcalico.org/v3",\n  "metadata": {'));
  assert.deepEqual(JSON.parse(text), pool);
  assert.ok(toJSON([pool, pool]).startsWith('[\n  {\n    "kind": "IPPool"'));
});

test('toListYAML() / toListJSON() print the <Kind>List form', () => {
  const yaml = toListYAML('IPPool', [pool], '42');
  assert.ok(yaml.includes('kind: IPPoolList\n') && yaml.includes('resourceVersion: "42"'));
  assert.deepEqual(parseManifests(yaml), [pool]);
  const json = JSON.parse(toListJSON('IPPool', [pool])) as { kind: string; items: unknown[] };
  assert.equal(json.kind, 'IPPoolList');
  assert.deepEqual(json.items, [pool]);
});
