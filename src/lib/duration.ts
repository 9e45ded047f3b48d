/**
 * Go's duration syntax (`90s`, `1m30s`, `250ms`, `15m`), which Calico's resources use for intervals and
 * grace periods (FelixConfiguration `iptablesRefreshInterval`, KubeControllersConfiguration `leakGracePeriod`).
 */
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a Go duration, or undefined when it is not one (like Go, a bare number other than 0 is not). */
export function parseGoDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === '0') return 0;
  const re = new RegExp(PART.source, PART.flags);
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = re.lastIndex;
  }
  return pos === t.length && pos > 0 ? total : undefined;
}
