/**
 * Configuration singletons: FelixConfiguration, ClusterInformation, KubeControllersConfiguration.
 */
import type { Resource } from '../types.js';
import { checkCIDR, checkDuration, checkEnum, checkIntRange, checkIP, checkPort, checkSelector, isDNSSubdomain } from './common.js';
import { at, fail, isObject, isSet, type Errors } from './field-errors.js';
import { LOG_LEVELS } from './bgp.js';

const FELIX_DURATIONS = ['iptablesRefreshInterval', 'routeRefreshInterval', 'ipsetsRefreshInterval', 'reportingInterval', 'reportingTTL', 'wireguardKeepAlive'];
const FELIX_PORTS = ['vxlanPort', 'wireguardListeningPort', 'wireguardListeningPortV6', 'prometheusMetricsPort', 'healthPort'];

function checkSingleton(r: Resource, errs: Errors): void {
  if (r.metadata?.name !== 'default') fail(errs, 'metadata.name', `${r.kind} is a singleton: its name must be "default"`, r.metadata?.name);
}

export function validateFelixConfiguration(r: Resource, errs: Errors): void {
  const spec = isObject(r.spec) ? r.spec : {};
  const name = r.metadata?.name;
  const perNode = typeof name === 'string' && name.startsWith('node.') && isDNSSubdomain(name.slice(5));
  // [v3.32+] other names are allowed when they select nodes themselves.
  if (name !== 'default' && !perNode && !isSet(spec['nodeSelector'])) {
    fail(errs, 'metadata.name', 'FelixConfiguration name must be "default" or "node.<nodename>", or the resource must set spec.nodeSelector', name);
  }
  checkSelector(spec['nodeSelector'], 'spec.nodeSelector', errs, 'forbid');
  checkEnum(spec['logSeverityScreen'], LOG_LEVELS, 'spec.logSeverityScreen', errs);
  checkEnum(spec['logSeverityFile'], [...LOG_LEVELS, 'None'], 'spec.logSeverityFile', errs);
  checkEnum(spec['logSeveritySys'], [...LOG_LEVELS, 'None'], 'spec.logSeveritySys', errs);
  checkEnum(spec['defaultEndpointToHostAction'], ['Drop', 'Return', 'Accept'], 'spec.defaultEndpointToHostAction', errs);
  checkEnum(spec['iptablesFilterAllowAction'], ['Accept', 'Return'], 'spec.iptablesFilterAllowAction', errs);
  checkEnum(spec['iptablesMangleAllowAction'], ['Accept', 'Return'], 'spec.iptablesMangleAllowAction', errs);
  checkEnum(spec['iptablesFilterDenyAction'], ['Drop', 'Reject'], 'spec.iptablesFilterDenyAction', errs);
  checkEnum(spec['chainInsertMode'], ['Insert', 'Append'], 'spec.chainInsertMode', errs);
  checkEnum(spec['nftablesMode'], ['Enabled', 'Disabled', 'Auto'], 'spec.nftablesMode', errs);
  checkEnum(spec['iptablesBackend'], ['Legacy', 'NFT', 'Auto'], 'spec.iptablesBackend', errs);
  checkEnum(spec['serviceLoopPrevention'], ['Drop', 'Reject', 'Disabled'], 'spec.serviceLoopPrevention', errs);
  checkEnum(spec['routeSource'], ['CalicoIPAM', 'WorkloadIPs'], 'spec.routeSource', errs);
  checkEnum(spec['ipForwarding'], ['Enabled', 'Disabled'], 'spec.ipForwarding', errs);
  checkEnum(spec['natOutgoingExclusions'], ['IPPoolsOnly', 'IPPoolsAndHostIPs'], 'spec.natOutgoingExclusions', errs);
  checkEnum(spec['programClusterRoutes'], ['Enabled', 'Disabled', 'EnabledIPIPOnly', 'EnabledNoEncapOnly'], 'spec.programClusterRoutes', errs);
  for (const f of FELIX_DURATIONS) checkDuration(spec[f], `spec.${f}`, errs);
  for (const f of FELIX_PORTS) checkIntRange(spec[f], f === 'healthPort' || f === 'prometheusMetricsPort' ? 0 : 1, 65535, `spec.${f}`, errs);
  checkIntRange(spec['vxlanVNI'], 1, 16777215, 'spec.vxlanVNI', errs);
  for (const f of ['ipipMTU', 'vxlanMTU', 'vxlanMTUV6', 'wireguardMTU', 'wireguardMTUV6']) checkIntRange(spec[f], 0, 65535, `spec.${f}`, errs);
  const prefix = spec['interfacePrefix'];
  if (prefix === '') fail(errs, 'spec.interfacePrefix', 'interfacePrefix cannot be empty');
  if (isSet(spec['natOutgoingAddress'])) checkIP(spec['natOutgoingAddress'], 'spec.natOutgoingAddress', errs);
  if (spec['natPortRange'] !== undefined) checkPort(spec['natPortRange'], 'spec.natPortRange', errs);
  const ranges = spec['kubeNodePortRanges'];
  if (Array.isArray(ranges)) {
    if (ranges.length > 7) fail(errs, 'spec.kubeNodePortRanges', 'at most 7 port ranges allowed', ranges.length);
    ranges.forEach((p, i) => {
      if (checkPort(p, at('spec.kubeNodePortRanges', i), errs) === 'named') {
        fail(errs, at('spec.kubeNodePortRanges', i), 'must be a port number or a range "min:max"', p);
      }
    });
  }
  for (const f of ['failsafeInboundHostPorts', 'failsafeOutboundHostPorts'] as const) {
    const list = spec[f];
    if (!Array.isArray(list)) continue;
    list.forEach((pp, i) => {
      if (!isObject(pp)) return;
      const p = at(`spec.${f}`, i);
      if (typeof pp['protocol'] === 'string') checkEnum(pp['protocol'].toUpperCase(), ['TCP', 'UDP', 'SCTP'], at(p, 'protocol'), errs);
      checkIntRange(pp['port'], 0, 65535, at(p, 'port'), errs);
      if (isSet(pp['net'])) checkCIDR(pp['net'], at(p, 'net'), errs, { allowIP: true });
    });
  }
  const tables = spec['routeTableRanges'];
  if (Array.isArray(tables)) {
    tables.forEach((t, i) => {
      if (!isObject(t)) return;
      checkIntRange(t['min'], 1, 4294967295, `spec.routeTableRanges[${i}].min`, errs);
      checkIntRange(t['max'], 1, 4294967295, `spec.routeTableRanges[${i}].max`, errs);
      if (typeof t['min'] === 'number' && typeof t['max'] === 'number' && t['min'] > t['max']) {
        fail(errs, `spec.routeTableRanges[${i}]`, 'min must not exceed max', t);
      }
    });
  }
}

export function validateClusterInformation(r: Resource, errs: Errors): void {
  checkSingleton(r, errs);
}

export function validateKubeControllersConfiguration(r: Resource, errs: Errors): void {
  checkSingleton(r, errs);
  const spec = isObject(r.spec) ? r.spec : {};
  checkEnum(spec['logSeverityScreen'], LOG_LEVELS, 'spec.logSeverityScreen', errs);
  checkEnum(spec['healthChecks'], ['Enabled', 'Disabled'], 'spec.healthChecks', errs);
  checkDuration(spec['etcdV3CompactionPeriod'], 'spec.etcdV3CompactionPeriod', errs);
  checkIntRange(spec['prometheusMetricsPort'], 0, 65535, 'spec.prometheusMetricsPort', errs);
  checkIntRange(spec['debugProfilePort'], 0, 65535, 'spec.debugProfilePort', errs);
  const controllers = spec['controllers'];
  if (!isObject(controllers)) return;
  for (const [name, c] of Object.entries(controllers)) {
    if (!isObject(c)) continue;
    const p = `spec.controllers.${name}`;
    checkDuration(c['reconcilerPeriod'], `${p}.reconcilerPeriod`, errs);
    checkDuration(c['leakGracePeriod'], `${p}.leakGracePeriod`, errs);
    checkEnum(c['syncLabels'], ['Enabled', 'Disabled'], `${p}.syncLabels`, errs);
    checkEnum(c['assignIPs'], ['AllServices', 'RequestedServicesOnly'], `${p}.assignIPs`, errs);
    checkEnum(c['policyNameMigrator'], ['Enabled', 'Disabled'], `${p}.policyNameMigrator`, errs);
    const hep = c['hostEndpoint'];
    if (isObject(hep)) {
      checkEnum(hep['autoCreate'], ['Enabled', 'Disabled'], `${p}.hostEndpoint.autoCreate`, errs);
      checkEnum(hep['createDefaultHostEndpoint'], ['Enabled', 'Disabled'], `${p}.hostEndpoint.createDefaultHostEndpoint`, errs);
    }
  }
}
