import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Labels } from './ast.js';
import { LabelIndex, parseSelector, type Selector } from './index.js';

type L = Record<string, string>;

/** An index whose callbacks record events as "+sel/item" and "-sel/item". */
function recordingIndex(): { index: LabelIndex; events: string[]; take(): string[] } {
  const events: string[] = [];
  const index = new LabelIndex({
    onMatchStarted: (s, i) => events.push(`+${s}/${i}`),
    onMatchStopped: (s, i) => events.push(`-${s}/${i}`),
  });
  return { index, events, take: () => events.splice(0).sort() };
}

/** Wrap a selector so every evaluation is counted. */
function counting(sel: Selector, counter: { n: number }): Selector {
  return {
    root: sel.root,
    evaluate: (l: Readonly<L>) => (counter.n++, sel.evaluate(l)),
    evaluateLabels: (l: Labels) => (counter.n++, sel.evaluateLabels(l)),
    toString: () => sel.toString(),
    uniqueId: () => sel.uniqueId(),
    labelRestrictions: () => sel.labelRestrictions(),
  };
}

describe('LabelIndex', () => {
  it('emits matches when selectors and items arrive in either order', () => {
    const { index, take } = recordingIndex();
    index.updateLabels('ep1', { app: 'web' });
    index.updateSelector('s1', parseSelector("app == 'web'"));
    assert.deepEqual(take(), ['+s1/ep1']);
    index.updateLabels('ep2', { app: 'web', tier: 'fe' });
    assert.deepEqual(take(), ['+s1/ep2']);
    index.updateLabels('ep1', { app: 'db' });
    assert.deepEqual(take(), ['-s1/ep1']);
    assert.deepEqual(index.matchingItems('s1'), new Set(['ep2']));
    assert.deepEqual(index.matchingSelectors('ep2'), new Set(['s1']));
    index.deleteLabels('ep2');
    assert.deepEqual(take(), ['-s1/ep2']);
    assert.deepEqual(index.matchingItems('s1'), new Set());
  });

  it('emits transitions only: no-op updates produce no events', () => {
    const { index, take } = recordingIndex();
    index.updateSelector('s1', parseSelector('has(a)'));
    index.updateLabels('ep1', { a: '1' }, ['p1']);
    take();
    index.updateLabels('ep1', { a: '1' }, ['p1']);
    index.updateLabels('ep1', { a: '2' }, ['p1']); // still matches has(a)
    index.updateSelector('s1', parseSelector('has( a )')); // same canonical form
    index.updateParentLabels('p1', { b: '1' });
    index.updateParentLabels('p1', { b: '1' });
    index.deleteSelector('nope');
    index.deleteLabels('nope');
    index.deleteParentLabels('nope');
    assert.deepEqual(take(), []);
  });

  it("inherits parent labels: own labels win, then earlier parents over later ones", () => {
    const { index, take } = recordingIndex();
    index.updateSelector('ownWins', parseSelector("a == 'own'"));
    index.updateSelector('firstParent', parseSelector("b == 'p1'"));
    index.updateSelector('secondParent', parseSelector("b == 'p2'"));
    index.updateSelector('onlyP2', parseSelector("c == 'p2'"));
    index.updateParentLabels('p1', { a: 'p1', b: 'p1' });
    index.updateParentLabels('p2', { a: 'p2', b: 'p2', c: 'p2' });
    index.updateLabels('ep', { a: 'own' }, ['p1', 'p2']);
    assert.deepEqual(take(), ['+firstParent/ep', '+onlyP2/ep', '+ownWins/ep']);
    assert.deepEqual(index.effectiveLabels('ep'), { a: 'own', b: 'p1', c: 'p2' });
    // Reordering parents changes which one wins.
    index.updateLabels('ep', { a: 'own' }, ['p2', 'p1']);
    assert.deepEqual(take(), ['+secondParent/ep', '-firstParent/ep']);
    // Deleting a parent's labels removes what it supplied.
    index.deleteParentLabels('p2');
    assert.deepEqual(take(), ['+firstParent/ep', '-onlyP2/ep', '-secondParent/ep']);
    // The item still lists p2, so its labels return with it.
    index.updateParentLabels('p2', { c: 'p2' });
    assert.deepEqual(take(), ['+onlyP2/ep']);
  });

  it('a parent label change shadowed by the item own label changes nothing', () => {
    const { index, take } = recordingIndex();
    index.updateSelector('s', parseSelector("a == 'own'"));
    index.updateLabels('ep', { a: 'own' }, ['p']);
    take();
    index.updateParentLabels('p', { a: 'parent' });
    assert.deepEqual(take(), []);
    assert.deepEqual(index.matchingItems('s'), new Set(['ep']));
  });

  it('replacing a selector emits only the difference', () => {
    const { index, take } = recordingIndex();
    for (const [id, role] of [['e1', 'a'], ['e2', 'b'], ['e3', 'c']] as const) index.updateLabels(id, { role });
    index.updateSelector('s', parseSelector("role in {'a', 'b'}"));
    assert.deepEqual(take(), ['+s/e1', '+s/e2']);
    index.updateSelector('s', parseSelector("role in {'b', 'c'}"));
    assert.deepEqual(take(), ['+s/e3', '-s/e1']);
    index.deleteSelector('s');
    assert.deepEqual(take(), ['-s/e2', '-s/e3']);
  });

  it('handles absent-label semantics and selectors that can never match', () => {
    const { index, take } = recordingIndex();
    index.updateLabels('bare', {});
    index.updateLabels('labelled', { a: 'x' });
    index.updateSelector('ne', parseSelector("a != 'x'"));
    index.updateSelector('notIn', parseSelector("a not in {'x'}"));
    index.updateSelector('notHas', parseSelector('!has(a)'));
    index.updateSelector('never', parseSelector("a == 'x' && a == 'y'"));
    index.updateSelector('empty', parseSelector('a in {}'));
    index.updateSelector('all', parseSelector(''));
    assert.deepEqual(take(), ['+all/bare', '+all/labelled', '+ne/bare', '+notHas/bare', '+notIn/bare']);
    index.updateLabels('labelled', { a: 'y' });
    assert.deepEqual(take(), ['+ne/labelled', '+notIn/labelled']);
  });

  it('callbacks see a consistent index', () => {
    const seen: Array<[string, boolean]> = [];
    const index: LabelIndex = new LabelIndex({
      onMatchStarted: (s, i) => seen.push([`+${s}/${i}`, index.matchingItems(s).has(i)]),
      onMatchStopped: (s, i) => seen.push([`-${s}/${i}`, index.matchingItems(s).has(i)]),
    });
    index.updateSelector('s', parseSelector('has(a)'));
    index.updateLabels('e', { a: '' });
    index.deleteLabels('e');
    assert.deepEqual(seen, [
      ['+s/e', true],
      ['-s/e', false],
    ]);
  });

  it('does work proportional to what a change affects, not items x selectors', () => {
    const counter = { n: 0 };
    const { index, take } = recordingIndex();
    const N = 2000;
    for (let i = 0; i < N; i++) index.updateLabels(`ep${i}`, { id: String(i), app: `app${i % 50}` }, ['prof']);
    counter.n = 0;
    for (let i = 0; i < N; i++) index.updateSelector(`s${i}`, counting(parseSelector(`id == '${i}' && has(app)`), counter));
    for (let i = 0; i < 50; i++) index.updateSelector(`app${i}`, counting(parseSelector(`app == 'app${i}'`), counter));
    index.updateSelector('unrestricted', counting(parseSelector("id != 'x'"), counter));
    // Building: each restricted selector looks only at the items carrying its label value.
    assert.ok(counter.n <= N + N + N, `build evaluated ${counter.n} pairs`);
    take();

    counter.n = 0;
    index.updateLabels('ep7', { id: '8', app: 'app9' }, ['prof']);
    assert.deepEqual(take(), ['+app9/ep7', '+s8/ep7', '-app7/ep7', '-s7/ep7']);
    // Old matches (s7, app7, unrestricted) plus new candidates (s8, app9, unrestricted).
    assert.ok(counter.n <= 6, `label change evaluated ${counter.n} selectors`);

    counter.n = 0;
    index.updateParentLabels('prof', { team: 'x' });
    // Every item inherits from prof, so each is re-checked against its own few candidates only.
    assert.ok(counter.n <= 4 * N, `parent change evaluated ${counter.n} pairs`);
    assert.deepEqual(take(), []);
  });

  it('matches brute-force evaluation after every operation (randomised)', { timeout: 120_000 }, () => {
    const SELECTORS = [
      '', 'all()', 'global()', 'has(a)', '!has(a)', "a == '1'", "a != '1'", "a in {'1', '2'}", "a not in {'1'}",
      'a in {}', "a contains '1'", "b starts with 'x'", "b ends with 'y'", "a == '1' && b == 'x'", "a == '1' || b == 'x'",
      "has(a) && !has(b)", "!(a == '1')", "a == '1' && a == '2'", "(a == '1' || a == '2') && has(c)", "c in {'1'} || !has(c)",
    ].map((s) => parseSelector(s));
    const ITEMS = ['i0', 'i1', 'i2', 'i3', 'i4', 'i5'];
    const PARENTS = ['p0', 'p1', 'p2'];
    const SELIDS = ['s0', 's1', 's2', 's3', 's4', 's5'];
    const labelsArb = fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('1', '2', 'x', 'xy', 'y'), { maxKeys: 3 });
    const opArb = fc.oneof(
      fc.record({ op: fc.constant('updateSelector' as const), id: fc.constantFrom(...SELIDS), sel: fc.nat(SELECTORS.length - 1) }),
      fc.record({ op: fc.constant('deleteSelector' as const), id: fc.constantFrom(...SELIDS) }),
      fc.record({
        op: fc.constant('updateLabels' as const),
        id: fc.constantFrom(...ITEMS),
        labels: labelsArb,
        parents: fc.array(fc.constantFrom(...PARENTS), { maxLength: 3 }),
      }),
      fc.record({ op: fc.constant('deleteLabels' as const), id: fc.constantFrom(...ITEMS) }),
      fc.record({ op: fc.constant('updateParentLabels' as const), id: fc.constantFrom(...PARENTS), labels: labelsArb }),
      fc.record({ op: fc.constant('deleteParentLabels' as const), id: fc.constantFrom(...PARENTS) }),
    );

    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const live = new Set<string>(); // "sel/item" pairs according to the callbacks
        const index = new LabelIndex({
          onMatchStarted: (s, i) => {
            assert.ok(!live.has(`${s}/${i}`), `duplicate start ${s}/${i}`);
            live.add(`${s}/${i}`);
          },
          onMatchStopped: (s, i) => {
            assert.ok(live.delete(`${s}/${i}`), `stop without start ${s}/${i}`);
          },
        });
        const sels = new Map<string, Selector>();
        const items = new Map<string, { labels: L; parents: string[] }>();
        const parents = new Map<string, L>();
        for (const op of ops) {
          switch (op.op) {
            case 'updateSelector':
              sels.set(op.id, SELECTORS[op.sel]!);
              index.updateSelector(op.id, SELECTORS[op.sel]!);
              break;
            case 'deleteSelector':
              sels.delete(op.id);
              index.deleteSelector(op.id);
              break;
            case 'updateLabels':
              items.set(op.id, { labels: { ...op.labels }, parents: op.parents });
              index.updateLabels(op.id, op.labels, op.parents);
              break;
            case 'deleteLabels':
              items.delete(op.id);
              index.deleteLabels(op.id);
              break;
            case 'updateParentLabels':
              parents.set(op.id, { ...op.labels });
              index.updateParentLabels(op.id, op.labels);
              break;
            case 'deleteParentLabels':
              parents.delete(op.id);
              index.deleteParentLabels(op.id);
              break;
          }
          // Brute force: effective labels = own, then parents in order, first one wins.
          const expected = new Set<string>();
          for (const [itemId, item] of items) {
            const eff: L = {};
            for (const src of [item.labels, ...item.parents.map((p) => parents.get(p) ?? {})]) {
              for (const [k, v] of Object.entries(src)) if (!(k in eff)) eff[k] = v;
            }
            assert.deepEqual(index.effectiveLabels(itemId), eff);
            for (const [selId, sel] of sels) if (sel.evaluate(eff)) expected.add(`${selId}/${itemId}`);
          }
          assert.deepEqual(live, expected, `after ${JSON.stringify(op)}`);
          for (const selId of SELIDS) {
            const want = [...expected].filter((p) => p.startsWith(`${selId}/`)).map((p) => p.split('/')[1]);
            assert.deepEqual(index.matchingItems(selId), new Set(want));
          }
          for (const itemId of ITEMS) {
            const want = [...expected].filter((p) => p.endsWith(`/${itemId}`)).map((p) => p.split('/')[0]);
            assert.deepEqual(index.matchingSelectors(itemId), new Set(want));
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
