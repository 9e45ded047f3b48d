/**
 * Merges FelixConfiguration `default` (cluster-wide) and `node.<nodeName>` (this node, field by field
 * winning over `default`) into the DataplaneConfig, with Felix's code defaults for unset fields.
 *
 * Like Felix's ConfigBatcher it holds config back until the syncer is in sync (so a half-listed
 * datastore never produces a transient config), then reports it once and on every effective change.
 * A field with an unusable value falls back to its default and is reported through `onWarning`:
 * the datastore validated it on write, so this only happens with hand-edited data.
 * It does not read any other kind.
 */
import type { FelixConfigurationSpec, Resource } from '../api/types.js';
import type { FailsafePort as Port } from '../api/felix-defaults.js';
import { parseGoDuration } from '../lib/duration.js';
import { defaultDataplaneConfig, type ConfigCallbacks, type DataplaneConfig } from './dataplane-api.js';
import type { Dispatcher } from './dispatcher.js';
import type { SyncStatus, Update } from './types.js';

function secondsOf(text: string): number | undefined {
  const ms = parseGoDuration(text);
  return ms === undefined ? undefined : ms / 1000;
}

/** The DataplaneConfig for a merged FelixConfiguration spec; problems go to `warn` and use defaults. */
export function dataplaneConfigFromSpec(spec: FelixConfigurationSpec, warn: (field: string, message: string) => void): DataplaneConfig {
  const cfg = defaultDataplaneConfig();
  const oneOf = <T extends string>(field: string, value: unknown, allowed: readonly T[]): T | undefined => {
    if (value === undefined) return undefined;
    const match = allowed.find((a) => typeof value === 'string' && a.toLowerCase() === value.toLowerCase());
    if (!match) warn(field, `must be one of ${allowed.join(', ')}`);
    return match;
  };
  cfg.defaultEndpointToHostAction =
    oneOf('defaultEndpointToHostAction', spec.defaultEndpointToHostAction, ['Drop', 'Return', 'Accept'] as const) ??
    cfg.defaultEndpointToHostAction;
  cfg.denyAction = oneOf('iptablesFilterDenyAction', spec.iptablesFilterDenyAction, ['Drop', 'Reject'] as const) ?? cfg.denyAction;

  const ports = (field: string, value: unknown): Port[] | undefined => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      warn(field, 'must be a list of {protocol, port}');
      return undefined;
    }
    const out: Port[] = [];
    for (const p of value as Array<{ protocol?: unknown; port?: unknown; net?: unknown }>) {
      const port = Number(p?.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        warn(field, `port ${JSON.stringify(p?.port)} is not a port number`);
        return undefined;
      }
      const entry: Port = { protocol: typeof p.protocol === 'string' ? p.protocol.toLowerCase() : 'tcp', port };
      if (typeof p.net === 'string' && p.net !== '') entry.net = p.net;
      out.push(entry);
    }
    return out;
  };
  cfg.failsafeInboundHostPorts = ports('failsafeInboundHostPorts', spec.failsafeInboundHostPorts) ?? cfg.failsafeInboundHostPorts;
  cfg.failsafeOutboundHostPorts = ports('failsafeOutboundHostPorts', spec.failsafeOutboundHostPorts) ?? cfg.failsafeOutboundHostPorts;

  if (spec.interfacePrefix !== undefined) {
    const prefixes = String(spec.interfacePrefix)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (prefixes.length > 0) cfg.interfacePrefixes = prefixes;
    else warn('interfacePrefix', 'must name at least one prefix');
  }
  if (typeof spec.logPrefix === 'string') cfg.logPrefix = spec.logPrefix;
  if (spec.disableConntrackInvalidCheck !== undefined) cfg.disableConntrackInvalidCheck = spec.disableConntrackInvalidCheck === true;
  if (spec.iptablesRefreshInterval !== undefined) {
    const seconds = secondsOf(String(spec.iptablesRefreshInterval));
    if (seconds === undefined) warn('iptablesRefreshInterval', 'is not a duration such as "90s"');
    else cfg.refreshIntervalSeconds = seconds;
  }
  return cfg;
}

export class ConfigBatcher {
  readonly #nodeConfigName: string;
  readonly #callbacks: ConfigCallbacks;
  readonly #onWarning: (message: string) => void;
  #global: FelixConfigurationSpec | undefined;
  #node: FelixConfigurationSpec | undefined;
  #inSync = false;
  #dirty = true;
  #lastSent: string | undefined;

  constructor(nodeName: string, callbacks: ConfigCallbacks, onWarning: (message: string) => void = () => {}) {
    this.#nodeConfigName = `node.${nodeName}`;
    this.#callbacks = callbacks;
    this.#onWarning = onWarning;
  }

  registerWith(allUpdates: Dispatcher): void {
    allUpdates.register('FelixConfiguration', (u) => this.onUpdate(u));
    allUpdates.registerStatusHandler((s) => this.onStatusUpdate(s));
  }

  onUpdate(update: Update): void {
    const spec = (update.value as Resource<string, FelixConfigurationSpec> | undefined)?.spec ?? (update.value ? {} : undefined);
    if (update.key === 'default') this.#global = spec;
    else if (update.key === this.#nodeConfigName) this.#node = spec;
    else return; // another node's config
    this.#dirty = true;
    this.#maybeSend();
  }

  onStatusUpdate(status: SyncStatus): void {
    if (status !== 'in-sync' || this.#inSync) return;
    this.#inSync = true;
    this.#maybeSend();
  }

  #maybeSend(): void {
    if (!this.#inSync || !this.#dirty) return;
    this.#dirty = false;
    const merged: FelixConfigurationSpec = { ...(this.#global ?? {}), ...definedFields(this.#node ?? {}) };
    const cfg = dataplaneConfigFromSpec(merged, (field, message) =>
      this.#onWarning(`FelixConfiguration field ${field}: ${message}; using the default`),
    );
    const json = JSON.stringify(cfg);
    if (json === this.#lastSent) return;
    this.#lastSent = json;
    this.#callbacks.onConfigUpdate(cfg);
  }
}

function definedFields(spec: FelixConfigurationSpec): FelixConfigurationSpec {
  const out: FelixConfigurationSpec = {};
  for (const [k, v] of Object.entries(spec)) if (v !== undefined && v !== null) out[k] = v;
  return out;
}
