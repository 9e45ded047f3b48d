/**
 * Every NetworkPolicy truth table (upstream e2e ports + Calico cases) through the reference evaluator,
 * from k8s / Calico manifests converted the way the API layer stores them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertToCalico } from '../../src/api/k8s.js';
import { buildSnapshot, evaluate } from '../../src/policy/index.js';
import { netpolBaseResources, netpolCases, netpolPods, type NetpolCase, type TruthTable } from '../netpol/cases.js';

const pods = netpolPods();
const cases = netpolCases(pods);

/** The evaluator's verdict for every ordered pod pair of a case. */
export function evaluatorTable(c: NetpolCase): TruthTable {
  const resources = [...netpolBaseResources(pods, c.overrides), ...c.policies].map(convertToCalico);
  const snap = buildSnapshot(resources);
  const table: TruthTable = {};
  for (const from of pods) {
    for (const to of pods) {
      const r = evaluate(snap, { src: { workload: from.id }, dst: { workload: to.id }, protocol: c.protocol, dstPort: c.port, srcPort: 40000 });
      table[`${from.id}->${to.id}`] = r.allowed;
    }
  }
  return table;
}

/** Only the pairs that differ, so a failure reads as a short list. */
function differences(actual: TruthTable, expected: TruthTable): string[] {
  return Object.keys(expected)
    .filter((k) => actual[k] !== expected[k])
    .map((k) => `${k}: expected ${expected[k] ? 'ALLOWED' : 'DENIED'}, evaluator says ${actual[k] ? 'ALLOWED' : 'DENIED'}`);
}

test('netpol cases: there are at least 30 upstream cases and a Calico set', () => {
  assert.ok(cases.filter((c) => c.upstream).length >= 30);
  assert.ok(cases.filter((c) => !c.upstream).length >= 10);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
});

for (const c of cases) {
  test(`evaluator: ${c.name} [${c.protocol}/${c.port}]`, () => {
    const table = evaluatorTable(c);
    assert.equal(Object.keys(table).length, 81);
    assert.deepEqual(differences(table, c.expected), []);
  });
}
