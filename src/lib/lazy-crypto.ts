/**
 * node:crypto, loaded on first use. Modules on the CNI plugin's path (selectors, IPAM) need it only in
 * rare cases, and loading it costs every short-lived plugin process ~3.5 ms.
 * @example nodeCrypto().createHash('sha256').update(s).digest('hex')
 */
import { createRequire } from 'node:module';

let loaded: typeof import('node:crypto') | undefined;

export function nodeCrypto(): typeof import('node:crypto') {
  loaded ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return loaded;
}
