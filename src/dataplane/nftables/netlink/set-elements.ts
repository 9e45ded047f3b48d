/**
 * Named-set elements as the kernel stores them, from the element text we give nft (sets.ts renders it):
 * addresses and CIDRs of `ipv4_addr`/`ipv6_addr` sets (interval sets as a start key and an end key one past
 * the range, flagged INTERVAL_END, or an open start when the range reaches the last address), and the
 * named-port concatenation `addr . proto . port`, each field in its own 32-bit slot as the registers hold
 * it. Anything else is undefined, and the caller goes through nft.
 */
import type { NftFamily } from '../names.js';
import type { SetElement } from './nft-batch.js';
import { fromBig, parseCidr, toBig } from './rule-compile.js';

const PROTOCOLS: Record<string, number> = { tcp: 6, udp: 17, sctp: 132 };

/** The keys for `elements` of a set of this nft type, or undefined when a type or element is not one we know. */
export function encodeSetElements(family: NftFamily, type: string, interval: boolean, elements: readonly string[]): SetElement[] | undefined {
  const addrType = family === 'ip' ? 'ipv4_addr' : 'ipv6_addr';
  try {
    if (type === addrType) return elements.flatMap((e) => addressElement(family, e, interval));
    if (type === `${addrType} . inet_proto . inet_service` && !interval) return elements.map((e) => ({ key: namedPortKey(family, e) }));
  } catch {
    // An element we cannot parse: nft will say what is wrong with it.
  }
  return undefined;
}

function addressElement(family: NftFamily, element: string, interval: boolean): SetElement[] {
  const { addr, bits } = parseCidr(family, element);
  const len = addr.length;
  if (!interval) {
    if (bits !== len * 8) throw new RangeError(`${element} is not an address`);
    return [{ key: addr }];
  }
  const lo = toBig(addr);
  const hi = lo | ((1n << BigInt(len * 8 - bits)) - 1n);
  if (hi === (1n << BigInt(len * 8)) - 1n) return [{ key: addr, open: true }];
  return [{ key: addr }, { key: fromBig(hi + 1n, len), end: true }];
}

/** `10.65.1.3 . tcp . 8080` → address, protocol and port, each field padded to a 32-bit register. */
function namedPortKey(family: NftFamily, element: string): Buffer {
  const parts = element.split(' . ');
  const proto = PROTOCOLS[parts[1] ?? ''];
  const port = Number(parts[2]);
  if (parts.length !== 3 || proto === undefined || !Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${element} is not addr . proto . port`);
  const { addr, bits } = parseCidr(family, parts[0]!);
  if (bits !== addr.length * 8) throw new RangeError(`${element} is not addr . proto . port`);
  const tail = Buffer.alloc(8);
  tail[0] = proto;
  tail.writeUInt16BE(port, 4);
  return Buffer.concat([addr, tail]);
}
