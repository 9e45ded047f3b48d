/**
 * Felix's calculation graph: syncer, pure incremental graph nodes, event sequencer. Re-exports only.
 */
export * from './dataplane-api.js';
export { FELIX_KINDS, POLICY_KINDS, resourceKey, type FelixKind, type ResourceUpdate, type SyncStatus, type Update } from './types.js';
export { Dispatcher, type StatusHandler, type UpdateHandler } from './dispatcher.js';
export { buildCalcGraph, type CalcGraph, type CalcGraphOptions, type CalcGraphStats } from './calc-graph.js';
export { AsyncCalcGraph, realTimers, type AsyncCalcGraphOptions, type Timers } from './async-calc-graph.js';
export { Syncer, type SyncerCallbacks, type SyncerOptions } from './syncer.js';
export { startCalcPipeline, type CalcPipeline, type CalcPipelineOptions } from './pipeline.js';
export { EventSequencer } from './event-sequencer.js';
export { RecordingCallbacks, ipSetIdsOfRules, type DataplaneSnapshot } from './recording-callbacks.js';
export { dataplaneConfigFromSpec, ConfigBatcher } from './config-batcher.js';
export { convertRule, convertRules, namedPortIPSet, selectorIPSet, ruleId, type IPSetData } from './rule-convert.js';
export { resolveTiers, PolicyResolver } from './policy-resolver.js';
export { ActiveRulesCalculator, endpointId, type PolicyMatchListener } from './active-rules-calculator.js';
export { RuleScanner, type ActiveRulesCallbacks, type IPSetActivationCallbacks } from './rule-scanner.js';
export { IPSetMemberIndex, normaliseMember } from './ipset-member-index.js';
export { RouteResolver, hostCIDR, nodeIPv4 } from './route-resolver.js';
export { LocalEndpointFilter } from './local-endpoint-filter.js';
export { ValidationFilter, POLICY_MODEL, PROFILE_MODEL, TIER_MODEL, type InvalidResourceHandler } from './validation-filter.js';
