/**
 * Building the ADD result and converting results between CNI versions (pure).
 * 0.3.0-0.4.0 results carry `version` on each IP; 1.0.0+ dropped it.
 */
import { compareVersions } from './netconf.js';
import { CNI_ERR, CniError, type CniIPConfig, type CniResult } from './types.js';

export interface AttachmentResult {
  hostVeth: string;
  containerIf: string;
  containerMac: string;
  netns: string;
  mtu: number;
  /** Addresses with prefix: `10.65.0.5/32`, `fd00::5/128`. */
  addresses: string[];
}

/** `{interfaces: [host veth, container iface], ips: [...each on interface 1]}`. */
export function buildAddResult(cniVersion: string, a: AttachmentResult): CniResult {
  return toVersion({
    cniVersion,
    interfaces: [
      { name: a.hostVeth, mac: 'ee:ee:ee:ee:ee:ee' },
      { name: a.containerIf, mac: a.containerMac, sandbox: a.netns },
    ],
    ips: a.addresses.map((address) => ({ address, interface: 1 })),
  }, cniVersion);
}

function familyOf(address: string): '4' | '6' {
  return address.includes(':') ? '6' : '4';
}

/** Re-labels a (0.3.0+) result for `version`: adds or drops the per-IP `version` field. */
export function toVersion(result: CniResult, version: string): CniResult {
  const legacy = compareVersions(version, '1.0.0') < 0;
  const ips = result.ips?.map((ip): CniIPConfig => {
    const { version: _v, ...rest } = ip;
    return legacy ? { ...rest, version: familyOf(ip.address) } : rest;
  });
  return { ...result, cniVersion: version, ...(ips ? { ips } : {}) };
}

/**
 * Reads a prevResult of any version we speak into the 1.0.0 shape (0.2.0-style `ip4`/`ip6`
 * results are converted too, since runtimes may cache them).
 */
export function parsePrevResult(prev: unknown): CniResult {
  if (prev === null || typeof prev !== 'object') throw new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, 'prevResult must be an object');
  const p = prev as Record<string, unknown>;
  if (Array.isArray(p.ips) || Array.isArray(p.interfaces)) {
    const r = p as unknown as CniResult;
    for (const [i, ip] of (r.ips ?? []).entries()) {
      if (!ip || typeof ip.address !== 'string' || !ip.address.includes('/')) {
        throw new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, `prevResult.ips[${i}].address must be a CIDR`);
      }
    }
    return toVersion(r, '1.0.0');
  }
  const ips: CniIPConfig[] = [];
  for (const key of ['ip4', 'ip6']) {
    const v = p[key] as { ip?: unknown; gateway?: unknown } | undefined;
    if (v && typeof v.ip === 'string') ips.push({ address: v.ip, ...(typeof v.gateway === 'string' ? { gateway: v.gateway } : {}) });
  }
  return { cniVersion: '1.0.0', interfaces: [], ips };
}
