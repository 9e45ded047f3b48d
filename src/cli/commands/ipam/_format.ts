/**
 * Output helpers for the ipam verbs: the bordered tables calicoctl's ipam commands draw
 * (go-pretty's default style: `+---+` rules, uppercase headers) and Go's `%.5g` / `%.f` numbers.
 */

export interface BoxTableOptions {
  /** Column indexes whose cells are right-aligned (headers stay left, as go-pretty does). */
  alignRight?: number[];
}

/** @example renderBoxTable(['IP', 'NODE'], [['10.0.0.1', 'n1']]) */
export function renderBoxTable(header: string[], rows: string[][], options: BoxTableOptions = {}): string {
  const right = new Set(options.alignRight ?? []);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
  const line = (cells: string[], isHeader: boolean): string =>
    `|${widths.map((w, c) => {
      const v = cells[c] ?? '';
      return ` ${!isHeader && right.has(c) ? v.padStart(w) : v.padEnd(w)} `;
    }).join('|')}|\n`;
  let out = rule + line(header.map((h) => h.toUpperCase()), true) + rule;
  if (rows.length > 0) out += rows.map((r) => line(r, false)).join('') + rule;
  return out;
}

/** Go's `%.5g`: five significant digits, exponent form when the exponent is < -4 or >= 5. */
export function goG5(n: number): string {
  if (n === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 5) {
    const [mant, e] = n.toExponential(4).split('e') as [string, string];
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const ev = Number(e);
    return `${m}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  }
  const s = n.toPrecision(5);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** Go's `%.f`: no decimals, ties to even. */
export function goF0(n: number): string {
  const f = Math.floor(n);
  const diff = n - f;
  const r = diff > 0.5 ? f + 1 : diff < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  return String(r);
}

/** `5 (0%)`: a count with its share of `total`. */
export function withPercentage(n: number, total: number): string {
  return `${goG5(n)} (${goF0(total === 0 ? 0 : (100 * n) / total)}%)`;
}
