/**
 * Calico IPAM. Hot paths (the CNI plugin on every pod ADD/DEL) should import `./ipam-client.js`
 * directly rather than this index, which also loads the garbage collector and accounting.
 */
export { IPAMClient, DEFAULT_MAX_BLOCKS_PER_HOST, type IPAMClientOptions } from './ipam-client.js';
export { IPAMGarbageCollector, DEFAULT_LEAK_GRACE_PERIOD_MS, type GarbageCollectorOptions, type GCPassResult } from './gc.js';
export { classifyAllocations, indexOwners, WINDOWS_RESERVED_HANDLE, type AllocationRecord, type AllocationStatus } from './gc-classify.js';
export { IPAMStore, MAX_CAS_RETRIES } from './store.js';
export { EMPTY_BLOCK_MIN_RECLAIM_AGE_MS } from './affinity.js';
export { blockName, affinityName } from './block.js';
export { utilization, type PoolUsage, type Usage } from './utilization.js';
export { poolView, selectPools, type PoolView } from './pools.js';
export * from './types.js';
