/**
 * Printing what `get` found, in calicoctl's formats. A fetched item is either one resource (a get by
 * name) or a list (a get without a name); calicoctl prints a single item bare, several as a sequence,
 * and gives each item its own ps table followed by a blank line.
 */
import { kindInfo, toJSON, toList, toListJSON, toListYAML, toYAML } from '../api/index.js';
import type { Resource } from '../api/types.js';
import { tableRows, columnsFor, type Cell, type CellContext } from './columns.js';
import { renderTable } from './table.js';

export type Fetched =
  | { type: 'resource'; resource: Resource }
  | { type: 'list'; kind: string; items: Resource[]; revision: number };

export type OutputFormat =
  | { type: 'yaml' }
  | { type: 'json' }
  | { type: 'name' }
  | { type: 'table'; wide: boolean }
  | { type: 'custom-columns'; headings: string[] };

/** Parse `-o`; throws calicoctl's message for an unknown format. */
export function parseOutputFormat(text: string): OutputFormat {
  switch (text) {
    case 'yaml':
    case 'yml':
      return { type: 'yaml' };
    case 'json':
      return { type: 'json' };
    case 'name':
      return { type: 'name' };
    case 'ps':
      return { type: 'table', wide: false };
    case 'wide':
      return { type: 'table', wide: true };
  }
  const eq = text.indexOf('=');
  const key = eq === -1 ? text : text.slice(0, eq);
  const value = eq === -1 ? '' : text.slice(eq + 1);
  if (key === 'custom-columns') {
    if (value === '') throw new Error('need to specify at least one column');
    return { type: 'custom-columns', headings: value.split(',') };
  }
  if (key === 'go-template' || key === 'go-template-file') {
    throw new Error(`output format '${key}' needs Go templates, which this calicoctl does not have; use -o yaml, json or custom-columns`);
  }
  throw new Error(`unrecognized output format '${text}'`);
}

function objectOf(f: Fetched): Resource {
  return f.type === 'resource' ? f.resource : (toList(f.kind, f.items, String(f.revision)) as unknown as Resource);
}

/** `ippool.projectcalico.org/name`, as kubectl's `-o name` prints Calico resources. */
function nameLine(r: Resource): string {
  const info = kindInfo(r.kind);
  return `${(info?.kind ?? r.kind).toLowerCase()}.projectcalico.org/${r.metadata.name}\n`;
}

/**
 * The text to print for the fetched items.
 * @throws Error for an unknown custom column (calicoctl's "Unknown heading" message).
 */
export function formatFetched(
  fetched: readonly Fetched[],
  format: OutputFormat,
  opts: { printNamespace: boolean; cellContext: CellContext },
): string {
  switch (format.type) {
    case 'yaml': {
      const only = fetched[0];
      if (fetched.length === 1 && only !== undefined && only.type === 'list') return toListYAML(only.kind, only.items, String(only.revision));
      return toYAML(fetched.map(objectOf));
    }
    case 'json': {
      const only = fetched[0];
      if (fetched.length === 1 && only !== undefined && only.type === 'list') return toListJSON(only.kind, only.items, String(only.revision));
      return toJSON(fetched.map(objectOf));
    }
    case 'name':
      return fetched.flatMap((f) => (f.type === 'resource' ? [f.resource] : f.items)).map(nameLine).join('');
    case 'table':
    case 'custom-columns': {
      let out = '';
      for (const f of fetched) {
        const kind = f.type === 'resource' ? f.resource.kind : f.kind;
        const items = f.type === 'resource' ? [f.resource] : f.items;
        const rows =
          format.type === 'table'
            ? tableRows(kind, items, { wide: format.wide, printNamespace: opts.printNamespace, cellContext: opts.cellContext })
            : customRows(kind, items, format.headings, opts.cellContext);
        out += `${renderTable(rows)}\n`;
      }
      return out;
    }
  }
}

function customRows(kind: string, items: readonly Resource[], headings: readonly string[], ctx: CellContext): string[][] {
  const cells = columnsFor(kind).cells;
  for (const h of headings) {
    if (cells[h] === undefined) throw new Error(`Unknown heading ${h}, valid values are: ${Object.keys(cells).join(', ')}`);
  }
  return [[...headings], ...items.map((r) => headings.map((h) => (cells[h] as Cell)(r, ctx)))];
}
