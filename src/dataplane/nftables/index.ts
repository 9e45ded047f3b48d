export * from './names.js';
export * from './model.js';
export { renderRule } from './rule-render.js';
export { renderEndpointChain, renderPolicyChains, renderProfileChains } from './endpoint-chains.js';
export { buildTables, RenderCache, WORKLOAD_SHARDS, shardTableName, workloadShard } from './table.js';
export { formatTable, fullReplaceScript, diffScript } from './format.js';
export { NftApplier, describeDrift, type ApplyResult } from './nft-applier.js';
export { ExecNftRunner, RecordingNftRunner, NftError, type NftRunner } from './nft-runner.js';
export { NftablesDataplane, type DataplaneObserver, type NftablesDataplaneOptions } from './driver.js';
