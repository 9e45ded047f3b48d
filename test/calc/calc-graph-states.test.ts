import { describe, it } from 'node:test';
import { baseStates } from './scenarios.js';
import { EMPTY, expanders, runStates, type State } from './state.js';

// Every state on its own, and every ordered pair of states (A then B, and back to A), through every
// expander: the same expectations must hold whatever the order and batching of updates.
const sequences: Array<{ name: string; states: State[] }> = [];
for (const s of baseStates) sequences.push({ name: s.name, states: [s] });
for (const a of baseStates) {
  for (const b of baseStates) {
    if (a !== b) sequences.push({ name: `${a.name} -> ${b.name}`, states: [a, b, a] });
  }
}
sequences.push({ name: 'all states in turn, then empty', states: [...baseStates, EMPTY] });
sequences.push({ name: 'all states in reverse, then empty', states: [...baseStates].reverse().concat([EMPTY]) });

describe('calc graph state sequences', () => {
  for (const expander of expanders) {
    it(`reaches the expected dataplane state (${expander.name})`, () => {
      for (const seq of sequences) {
        const { states, options } = expander.expand(seq.states);
        runStates(states, options, `[${expander.name}] ${seq.name}:`);
      }
    });
  }
});
