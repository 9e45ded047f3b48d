/**
 * calicoctl's ps-style tables: Go's text/tabwriter with minwidth 5, padding 3 and spaces, where every
 * cell (the last one too) is tab-terminated, so every column is padded, trailing spaces included.
 * Also the formatting of Go values that its table templates print (`<nil>`, `1e+06`, `{a b}`).
 */

const MIN_WIDTH = 5;
const PADDING = 3;

/**
 * Render rows (the first is the header) the way calicoctl's tabwriter does, without the blank line
 * calicoctl prints after each table.
 * @example renderTable([['NAME', 'CIDR'], ['p1', '10.0.0.0/24']])
 */
export function renderTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, c) => {
      const w = Math.max(MIN_WIDTH, displayWidth(cell) + PADDING);
      if (w > (widths[c] ?? 0)) widths[c] = w;
    });
  }
  let out = '';
  for (const row of rows) {
    out += row.map((cell, c) => cell + ' '.repeat((widths[c] as number) - displayWidth(cell))).join('');
    out += '\n';
  }
  return out;
}

function displayWidth(s: string): number {
  // tabwriter counts UTF-8 runes.
  return [...s].length;
}

/**
 * A float64 as Go's `%v` prints it: shortest digits, switching to exponent form when the decimal
 * exponent is below -4 or at least 6 (so a tier order of 1000000 prints `1e+06`).
 * @example goFloat(1000000) // '1e+06'
 */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  const [mant, e] = v.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) {
    return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(v);
}

/**
 * A value as a Go template prints it: absent pointers `<nil>`, float64 per goFloat, structs `{a b}`,
 * slices `[a b]`.
 */
export function goValue(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') return `{${Object.values(v as Record<string, unknown>).map(goValue).join(' ')}}`;
  return String(v);
}

/** A Go bool field (non-pointer): absent prints `false`. */
export function goBool(v: unknown): string {
  return v === true ? 'true' : 'false';
}

/**
 * calicoctl's `join` / `joinAndTruncate` template helpers: lists join with the separator, maps print as
 * sorted `k=v`; with maxLen > 0 the text is cut to maxLen ending in `...`.
 */
export function goJoin(items: unknown, sep: string, maxLen = 0): string {
  if (items === undefined || items === null) return '';
  let list: string[];
  if (Array.isArray(items)) list = items.map((i) => (typeof i === 'object' && i !== null ? goValue(i) : String(i)));
  else if (typeof items === 'object') {
    list = Object.entries(items as Record<string, unknown>)
      .map(([k, v]) => `${k}=${String(v)}`)
      .sort();
  } else list = [String(items)];
  let out = '';
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out += sep;
    out += list[i];
    if (maxLen > 0 && out.length > maxLen) {
      return `${out.slice(0, maxLen - 3)}...`;
    }
  }
  return out;
}
