/**
 * The one call that wires Felix's input side: datastore → Syncer → AsyncCalcGraph → CalcGraph →
 * PipelineCallbacks (the dataplane driver).
 *
 * Example:
 *   const pipeline = startCalcPipeline({ datastore, nodeName: 'node1', callbacks: driver });
 *   await pipeline.whenIdle();   // everything seen so far has reached the driver
 *   await pipeline.stop();
 */
import type { Datastore } from '../datastore/types.js';
import { AsyncCalcGraph, type AsyncCalcGraphOptions } from './async-calc-graph.js';
import { buildCalcGraph, type CalcGraph, type CalcGraphOptions } from './calc-graph.js';
import type { PipelineCallbacks } from './dataplane-api.js';
import { Syncer, type SyncerOptions } from './syncer.js';

export interface CalcPipelineOptions {
  datastore: Datastore;
  nodeName: string;
  callbacks: PipelineCallbacks;
  graph?: CalcGraphOptions;
  async?: AsyncCalcGraphOptions;
  syncer?: SyncerOptions;
}

export interface CalcPipeline {
  graph: CalcGraph;
  asyncGraph: AsyncCalcGraph;
  syncer: Syncer;
  whenIdle(): Promise<void>;
  stop(): Promise<void>;
}

export function startCalcPipeline(options: CalcPipelineOptions): CalcPipeline {
  const graph = buildCalcGraph(options.nodeName, options.callbacks, options.graph);
  const asyncGraph = new AsyncCalcGraph(graph, options.async);
  const syncer = new Syncer(options.datastore, asyncGraph, options.syncer);
  syncer.start();
  return {
    graph,
    asyncGraph,
    syncer,
    whenIdle: () => asyncGraph.whenIdle(),
    stop: async () => {
      await syncer.stop();
      asyncGraph.stop();
    },
  };
}
