import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvariantError } from '../lib/errors.js';
import { AsyncCalcGraph, type Timers } from './async-calc-graph.js';
import type { CalcGraph } from './calc-graph.js';

/** Hand-driven time: deferred work and timers run only when the test says so. */
class FakeTimers implements Timers {
  time = 0;
  deferred: Array<() => void> = [];
  timers: Array<{ at: number; fn: () => void }> = [];
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const t = { at: this.time + ms, fn };
    this.timers.push(t);
    return t;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((t) => t !== h);
  }
  defer(fn: () => void): void {
    this.deferred.push(fn);
  }
  runDeferred(): void {
    const d = this.deferred;
    this.deferred = [];
    d.forEach((f) => f());
  }
  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time);
    this.timers = this.timers.filter((t) => t.at > this.time);
    due.forEach((t) => t.fn());
  }
}

function fakeGraph(log: string[], failOn?: string): CalcGraph {
  return {
    onUpdate: (u) => {
      if (u.key === failOn) throw new InvariantError('broken');
      log.push(`update ${u.key}`);
    },
    onStatusUpdate: (s) => log.push(`status ${s}`),
    flush: () => log.push('flush'),
    clusterInformation: () => undefined,
    stats: () => ({ activeLocalPolicies: 0, activeIPSets: 0, pendingEvents: 0 }),
  };
}

const u = (key: string) => ({ kind: 'Profile', key, value: undefined });

describe('AsyncCalcGraph', () => {
  it('processes a burst in one batch and flushes at most once per interval', async () => {
    const log: string[] = [];
    const timers = new FakeTimers();
    const g = new AsyncCalcGraph(fakeGraph(log), { timers, flushIntervalMs: 10 });
    g.onUpdate(u('a'));
    g.onUpdate(u('b'));
    g.onStatusUpdate('in-sync');
    assert.deepEqual(log, [], 'nothing happens synchronously');
    timers.runDeferred();
    assert.deepEqual(log, ['update a', 'update b', 'status in-sync', 'flush']);

    g.onUpdate(u('c'));
    timers.runDeferred();
    assert.deepEqual(log.slice(4), ['update c'], 'processed, but the flush waits for the interval');
    const idle = g.whenIdle();
    timers.advance(10);
    assert.deepEqual(log.slice(4), ['update c', 'flush']);
    await idle;
  });

  it('stops on a graph failure and reports it', async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const timers = new FakeTimers();
    const g = new AsyncCalcGraph(fakeGraph(log, 'bad'), { timers, onError: (e) => errors.push(e) });
    g.onUpdate(u('bad'));
    g.onUpdate(u('after'));
    timers.runDeferred();
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof InvariantError);
    g.onUpdate(u('ignored'));
    timers.runDeferred();
    assert.deepEqual(log, []);
    await g.whenIdle();
  });
});
