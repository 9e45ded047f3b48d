/**
 * Field validators shared by several kinds: names, labels, selectors, CIDRs, ports, protocols, AS numbers.
 * Each pushes FieldErrors named by JSON path; none throws.
 */
import { validateSelector } from '../../selector/index.js';
import { parseCIDROrIP, parseCIDR, parseIP, type IPFamily, type ParsedCIDR } from '../net.js';
import { fail, isObject, type Errors } from './field-errors.js';

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_LABEL_RE = new RegExp(`^${DNS_LABEL}$`);
const DNS_SUBDOMAIN_RE = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const QUALIFIED_NAME_PART_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

export function isDNSLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL_RE.test(s);
}

export function isDNSSubdomain(s: string): boolean {
  return s.length <= 253 && DNS_SUBDOMAIN_RE.test(s);
}

/** Generic resource name: DNS-1123 subdomain, at most 253 characters. */
export function checkName(name: unknown, path: string, errs: Errors): void {
  if (typeof name !== 'string' || name === '') {
    fail(errs, path, 'name is required');
    return;
  }
  if (!isDNSSubdomain(name)) {
    fail(
      errs,
      path,
      'must be a lower case DNS-1123 subdomain: lower case alphanumerics, "-" and ".", starting and ending with an alphanumeric, at most 253 characters',
      name,
    );
  }
}

/** A label key: optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
export function isQualifiedName(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix === '' || !isDNSSubdomain(prefix))) return false;
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME_PART_RE.test(name);
}

export function isLabelValue(v: string): boolean {
  return v.length <= 63 && LABEL_VALUE_RE.test(v);
}

export function checkLabels(labels: unknown, path: string, errs: Errors): void {
  if (!isObject(labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    if (!isQualifiedName(k)) fail(errs, `${path}[${k}]`, 'label key must be a qualified name (optional DNS prefix and "/", then at most 63 alphanumerics, "-", "_" or ".")', k);
    if (typeof v === 'string' && !isLabelValue(v)) {
      fail(errs, `${path}[${k}]`, 'label value must be at most 63 alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric', v);
    }
  }
}

export function checkAnnotations(annotations: unknown, path: string, errs: Errors): void {
  if (!isObject(annotations)) return;
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    if (!isQualifiedName(k.toLowerCase())) fail(errs, `${path}[${k}]`, 'annotation key must be a qualified name', k);
    size += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (size > MAX_ANNOTATIONS_BYTES) fail(errs, path, `annotations total ${size} bytes: must be at most ${MAX_ANNOTATIONS_BYTES}`);
}

// ---------------------------------------------------------------------------
// Selectors

/** Text with quoted strings blanked, so a label value cannot look like `global()`. */
function unquoted(sel: string): string {
  return sel.replace(/"[^"]*"|'[^']*'/g, '""');
}

export function usesGlobal(sel: string): boolean {
  return /(^|[^A-Za-z0-9_./-])global\(/.test(unquoted(sel));
}

/** Selector must parse; `global()` is refused unless allowed (`'alone'`: only as the whole selector). */
export function checkSelector(sel: unknown, path: string, errs: Errors, global: 'forbid' | 'alone' | 'allow' = 'allow'): void {
  if (sel === undefined || sel === null) return;
  if (typeof sel !== 'string') return; // shape check reports the type
  try {
    validateSelector(sel);
  } catch (err) {
    fail(errs, path, `invalid selector: ${err instanceof Error ? err.message : String(err)}`, sel);
    return;
  }
  if (global === 'allow' || !usesGlobal(sel)) return;
  if (global === 'alone' && sel.trim() === 'global()') return;
  fail(errs, path, global === 'alone' ? 'global() cannot be combined with other selector terms here' : 'global() is not allowed in this selector', sel);
}

// ---------------------------------------------------------------------------
// Addresses

/** A CIDR (or bare IP when allowed); returns it parsed, or records an error. */
export function checkCIDR(
  value: unknown,
  path: string,
  errs: Errors,
  opts: { allowIP?: boolean; strict?: boolean } = {},
): ParsedCIDR | undefined {
  if (typeof value !== 'string') {
    if (value !== undefined && value !== null) fail(errs, path, 'must be a CIDR string', value);
    return undefined;
  }
  const parsed = opts.allowIP ? parseCIDROrIP(value) : parseCIDR(value);
  if (parsed === undefined) {
    fail(errs, path, opts.allowIP ? 'invalid IP address or CIDR' : 'invalid CIDR', value);
    return undefined;
  }
  if (opts.strict && parsed.address !== parsed.network) {
    fail(errs, path, 'CIDR is not strictly masked: host bits must be zero', value);
  }
  return parsed;
}

export function checkIP(value: unknown, path: string, errs: Errors, family?: IPFamily): IPFamily | undefined {
  if (typeof value !== 'string') return undefined;
  const ip = parseIP(value);
  if (ip === undefined) {
    fail(errs, path, 'invalid IP address', value);
    return undefined;
  }
  if (family !== undefined && ip.family !== family) fail(errs, path, `must be an IPv${family} address`, value);
  return ip.family;
}

// ---------------------------------------------------------------------------
// Ports and protocols

const NAMED_PORT_RE = /^[a-zA-Z0-9_.-]{1,128}$/;

export type PortKind = 'number' | 'range' | 'named';

/** Validate one port (80, "80", "80:90", "http"); returns what kind it is. */
export function checkPort(value: unknown, path: string, errs: Errors): PortKind | undefined {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      fail(errs, path, 'port must be between 1 and 65535', value);
      return undefined;
    }
    return 'number';
  }
  if (typeof value !== 'string') return undefined;
  const m = /^([0-9]+)(?::([0-9]+))?$/.exec(value);
  if (m !== null) {
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535) {
      fail(errs, path, 'port must be between 1 and 65535', value);
      return undefined;
    }
    if (lo > hi) {
      fail(errs, path, 'port range minimum is greater than maximum', value);
      return undefined;
    }
    return m[2] === undefined ? 'number' : 'range';
  }
  if (!NAMED_PORT_RE.test(value) || /:/.test(value)) {
    fail(errs, path, 'port must be a number, a range "min:max" or a name of up to 128 letters, digits, "_", "." or "-"', value);
    return undefined;
  }
  return 'named';
}

const PROTOCOL_NUMBERS: Record<string, number> = { TCP: 6, UDP: 17, ICMP: 1, ICMPv6: 58, SCTP: 132, UDPLite: 136 };
const PROTOCOL_LOWER: Record<string, string> = Object.fromEntries(Object.keys(PROTOCOL_NUMBERS).map((p) => [p.toLowerCase(), p]));

/** Protocol number for a name or number (1–255), or undefined when invalid. */
export function protocolNumber(p: unknown): number | undefined {
  if (typeof p === 'number') return Number.isInteger(p) && p >= 1 && p <= 255 ? p : undefined;
  if (typeof p !== 'string') return undefined;
  if (/^[0-9]+$/.test(p)) return protocolNumber(Number(p));
  const canonical = PROTOCOL_NUMBERS[p] !== undefined ? p : PROTOCOL_LOWER[p];
  return canonical === undefined ? undefined : PROTOCOL_NUMBERS[canonical];
}

export function checkProtocol(p: unknown, path: string, errs: Errors): number | undefined {
  if (p === undefined || p === null) return undefined;
  const n = protocolNumber(p);
  if (n === undefined) fail(errs, path, 'protocol must be one of TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number 1-255', p);
  return n;
}

// ---------------------------------------------------------------------------
// BGP numbers and Go durations

/** AS number: 0–4294967295, or asdot "a.b" with both halves 0–65535. */
export function checkASNumber(v: unknown, path: string, errs: Errors): void {
  if (v === undefined || v === null) return;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 4294967295) fail(errs, path, 'AS number must be between 0 and 4294967295', v);
    return;
  }
  if (typeof v !== 'string') return;
  const plain = /^[0-9]+$/.exec(v);
  if (plain !== null) {
    checkASNumber(Number(v), path, errs);
    return;
  }
  const dot = /^([0-9]+)\.([0-9]+)$/.exec(v);
  if (dot === null || Number(dot[1]) > 65535 || Number(dot[2]) > 65535) {
    fail(errs, path, 'AS number must be an integer or asdot notation "a.b" (each part 0-65535)', v);
  }
}

const DURATION_RE = /^[-+]?(0|([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$/;

export function checkDuration(v: unknown, path: string, errs: Errors): void {
  if (typeof v !== 'string') return;
  if (!DURATION_RE.test(v)) fail(errs, path, 'must be a duration such as "90s", "5m" or "1h30m"', v);
}

export function checkEnum(v: unknown, values: readonly string[], path: string, errs: Errors): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'string' || !values.includes(v)) fail(errs, path, `must be one of ${values.map((x) => `"${x}"`).join(', ')}`, v);
}

export function checkIntRange(v: unknown, min: number, max: number, path: string, errs: Errors): void {
  if (typeof v !== 'number') return;
  if (!Number.isInteger(v) || v < min || v > max) fail(errs, path, `must be between ${min} and ${max}`, v);
}
