/**
 * The agent's own settings (those the dataplane driver does not take): health and Prometheus endpoints
 * and the refresh interval override. Sources, lowest to highest: Felix defaults, FelixConfiguration
 * `default`, FelixConfiguration `node.<name>`, then `FELIX_<FIELD>` environment variables (Felix's own
 * environment convention, upper-cased field names), which the lab uses to give each node its own port.
 */
import type { FelixConfigurationSpec } from '../api/types.js';
import type { Datastore } from '../datastore/types.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';

export interface AgentSettings {
  healthEnabled: boolean;
  healthHost: string;
  healthPort: number;
  prometheusMetricsEnabled: boolean;
  prometheusMetricsHost: string;
  prometheusMetricsPort: number;
  /** FelixConfiguration ipv6Support: program the `ip6 calico` table too. */
  ipv6Support: boolean;
  /** Overrides FelixConfiguration iptablesRefreshInterval when set (seconds). */
  refreshIntervalSeconds?: number;
}

async function getSpec(ds: Datastore, name: string): Promise<FelixConfigurationSpec> {
  try {
    const r = await ds.get<{ apiVersion: string; kind: 'FelixConfiguration'; metadata: { name: string }; spec?: FelixConfigurationSpec }>({ kind: 'FelixConfiguration', name });
    return r.spec ?? {};
  } catch (err) {
    if (err instanceof NotFoundError) return {};
    throw err;
  }
}

function bool(env: string, text: string): boolean {
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no)$/i.test(text)) return false;
  throw new ValidationError({ kind: 'FelixConfiguration', name: 'environment' }, [{ field: env, message: 'must be true or false', value: text }]);
}

function port(env: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ValidationError({ kind: 'FelixConfiguration', name: 'environment' }, [{ field: env, message: 'must be a port number', value: text }]);
  }
  return n;
}

export async function loadAgentSettings(ds: Datastore, nodeName: string, env: NodeJS.ProcessEnv): Promise<AgentSettings> {
  const merged: FelixConfigurationSpec = { ...(await getSpec(ds, 'default')), ...(await getSpec(ds, `node.${nodeName}`)) };
  const s: AgentSettings = {
    healthEnabled: merged.healthEnabled ?? false,
    healthHost: merged.healthHost === undefined ? 'localhost' : String(merged.healthHost),
    healthPort: merged.healthPort ?? 9099,
    prometheusMetricsEnabled: merged.prometheusMetricsEnabled ?? false,
    prometheusMetricsHost: typeof merged.prometheusMetricsHost === 'string' ? merged.prometheusMetricsHost : '',
    prometheusMetricsPort: merged.prometheusMetricsPort ?? 9091,
    ipv6Support: typeof merged.ipv6Support === 'boolean' ? merged.ipv6Support : true,
  };
  if (env.FELIX_IPV6SUPPORT !== undefined) s.ipv6Support = bool('FELIX_IPV6SUPPORT', env.FELIX_IPV6SUPPORT);
  if (env.FELIX_HEALTHENABLED !== undefined) s.healthEnabled = bool('FELIX_HEALTHENABLED', env.FELIX_HEALTHENABLED);
  if (env.FELIX_HEALTHHOST !== undefined) s.healthHost = env.FELIX_HEALTHHOST;
  if (env.FELIX_HEALTHPORT !== undefined) {
    s.healthPort = port('FELIX_HEALTHPORT', env.FELIX_HEALTHPORT);
    // Asking for a port means asking for the endpoint.
    if (env.FELIX_HEALTHENABLED === undefined) s.healthEnabled = true;
  }
  if (env.FELIX_PROMETHEUSMETRICSENABLED !== undefined) s.prometheusMetricsEnabled = bool('FELIX_PROMETHEUSMETRICSENABLED', env.FELIX_PROMETHEUSMETRICSENABLED);
  if (env.FELIX_PROMETHEUSMETRICSHOST !== undefined) s.prometheusMetricsHost = env.FELIX_PROMETHEUSMETRICSHOST;
  if (env.FELIX_PROMETHEUSMETRICSPORT !== undefined) s.prometheusMetricsPort = port('FELIX_PROMETHEUSMETRICSPORT', env.FELIX_PROMETHEUSMETRICSPORT);
  const refresh = env.FELIX_IPTABLESREFRESHINTERVAL ?? env.FELIX_NFTABLESREFRESHINTERVAL;
  if (refresh !== undefined) {
    const n = Number(refresh.replace(/s$/, ''));
    if (!(n > 0)) throw new ValidationError({ kind: 'FelixConfiguration', name: 'environment' }, [{ field: 'FELIX_IPTABLESREFRESHINTERVAL', message: 'must be a positive number of seconds', value: refresh }]);
    s.refreshIntervalSeconds = n;
  }
  return s;
}
