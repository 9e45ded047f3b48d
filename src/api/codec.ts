/**
 * Reading and writing manifests the way calicoctl does.
 *
 * Input: YAML (one or many `---` documents, YAML 1.1 scalars as Go's yaml.v2 reads them) or JSON; a document may
 * be one resource, a bare array of resources, or a list object (`kind: List` or `<Kind>List`) with `items`.
 * Empty documents are skipped. Duplicate keys are an error, as in yaml.v2.
 *
 * Output: one resource prints bare; several print as a YAML sequence / JSON array (calicoctl's printers);
 * `toListYAML`/`toListJSON` give the `<Kind>List` form `calicoctl get <kind> -o yaml` prints.
 */
import { parseAllDocuments, stringify, type Tags } from 'yaml';
import { API_VERSION, type Resource } from './types.js';
import { ParseError } from './parse-error.js';

/** Bounds that keep a hostile manifest from exhausting memory (alias expansion, absurd nesting). */
const MAX_ALIAS_COUNT = 1000;

// Go's yaml.v2 reads timestamps and base-60 numbers as plain strings; so do we.
function goYamlTags(tags: Tags): Tags {
  return tags.filter((t) => {
    if (typeof t === 'string') return t !== 'timestamp' && t !== 'intTime' && t !== 'floatTime';
    return t.tag !== 'tag:yaml.org,2002:timestamp' && (t as { format?: string }).format !== 'TIME';
  });
}

const PARSE_OPTIONS = { version: '1.1' as const, customTags: goYamlTags, uniqueKeys: true, prettyErrors: true };

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parse a manifest into resources, in document order. Throws ParseError naming the source,
 * the document and the line.
 * @example parseManifests('kind: IPPool\napiVersion: projectcalico.org/v3\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/24}')
 */
export function parseManifests(text: string, source?: string): Resource[] {
  if (typeof text !== 'string') throw new ParseError('input is not text', { source });
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    // JSON first: it gives exact values; if it fails, YAML's parser reports where.
    try {
      const value = JSON.parse(text) as Json;
      return expandDocument(value, { source, document: 1 });
    } catch (err) {
      if (err instanceof ParseError) throw err;
    }
  }
  let docs;
  try {
    docs = parseAllDocuments(text, PARSE_OPTIONS);
  } catch (err) {
    throw new ParseError(errorText(err), { source }, { cause: err });
  }
  const list = Array.isArray(docs) ? docs : [docs];
  const out: Resource[] = [];
  list.forEach((doc, i) => {
    const where = { source, document: i + 1 };
    const first = doc.errors[0];
    if (first !== undefined) {
      const pos = first.linePos?.[0];
      throw new ParseError(firstLine(first.message), { ...where, line: pos?.line, column: pos?.col }, { cause: first });
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      throw new ParseError(errorText(err), where, { cause: err });
    }
    if (value === null || value === undefined) return; // empty document
    const line = doc.contents?.range ? lineOf(text, doc.contents.range[0]) : undefined;
    out.push(...expandDocument(value as Json, { ...where, line }));
  });
  return out;
}

interface Where {
  source: string | undefined;
  document: number;
  line?: number | undefined;
}

function expandDocument(value: unknown, where: Where): Resource[] {
  if (Array.isArray(value)) return value.map((item, i) => asResource(item, where, `item ${i}`));
  if (!isObject(value)) throw new ParseError(`expected a resource object, found ${describeValue(value)}`, where);
  const kind = value['kind'];
  if (typeof kind === 'string' && (kind === 'List' || (kind.endsWith('List') && 'items' in value))) {
    const items = value['items'];
    if (items === null || items === undefined) return [];
    if (!Array.isArray(items)) throw new ParseError(`"items" of a ${kind} must be a list, found ${describeValue(items)}`, where);
    const inner = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
    return items.map((item, i) => {
      const r = asResource(item, where, `items[${i}]`, inner === undefined ? undefined : { kind: inner, apiVersion: value['apiVersion'] });
      return r;
    });
  }
  return [asResource(value, where, undefined)];
}

function asResource(
  value: unknown,
  where: Where,
  label: string | undefined,
  inherit?: { kind: string; apiVersion: unknown },
): Resource {
  const at = label === undefined ? '' : ` (${label})`;
  if (!isObject(value)) throw new ParseError(`expected a resource object${at}, found ${describeValue(value)}`, where);
  const r: Record<string, unknown> = { ...value };
  // Items of a typed list may omit their own kind/apiVersion (the list carries them).
  if (inherit !== undefined) {
    if (r['kind'] === undefined) r['kind'] = inherit.kind;
    if (r['apiVersion'] === undefined && typeof inherit.apiVersion === 'string') r['apiVersion'] = inherit.apiVersion;
  }
  for (const field of ['apiVersion', 'kind'] as const) {
    const v = r[field];
    if (typeof v !== 'string' || v === '') {
      throw new ParseError(`resource${at} has no ${field}${v === undefined ? '' : ` (found ${describeValue(v)})`}`, where);
    }
  }
  return r as unknown as Resource;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v) ?? ''}`;
}

function firstLine(msg: string): string {
  // The yaml library appends its own position; ours is in the ParseError prefix.
  return (msg.split('\n')[0] ?? msg).replace(/ at line \d+, column \d+:?$/, '');
}

function errorText(err: unknown): string {
  return firstLine(err instanceof Error ? err.message : String(err));
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

// ---------------------------------------------------------------------------
// Output

/** Go's encoders print struct fields in declaration order; for the envelope that is kind, apiVersion, metadata, spec, status. */
const ENVELOPE_ORDER = ['kind', 'apiVersion', 'metadata', 'spec', 'status'];

function envelopeOrdered(r: Resource): Record<string, unknown> {
  const src = r as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of ENVELOPE_ORDER) if (src[k] !== undefined) out[k] = src[k];
  for (const k of Object.keys(src)) if (!(k in out) && src[k] !== undefined) out[k] = src[k];
  return out;
}

function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sortKeysDeep(v[k]);
  return out;
}

/** calicoctl's YAML: keys sorted (it marshals through JSON maps), block sequences not indented under their key. */
function yamlText(value: unknown): string {
  return stringify(sortKeysDeep(value), { indentSeq: false, lineWidth: 0, version: '1.1' });
}

/**
 * Resources as `calicoctl get -o yaml` prints them: one resource bare, several as a YAML sequence.
 * @example toYAML([pool]).startsWith('apiVersion: projectcalico.org/v3')
 */
export function toYAML(resources: Resource[]): string {
  if (resources.length === 1) return yamlText(resources[0]);
  return yamlText(resources);
}

/** Resources as `calicoctl get -o json` prints them: one resource bare, several as an array; two-space indent. */
export function toJSON(resources: Resource[]): string {
  const value = resources.length === 1 ? envelopeOrdered(resources[0] as Resource) : resources.map(envelopeOrdered);
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The `<Kind>List` object a listing `get` prints (`calicoctl get ippools -o yaml`). */
export function toList(kind: string, items: Resource[], resourceVersion?: string): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: `${kind}List`,
    metadata: resourceVersion === undefined ? {} : { resourceVersion },
    items,
  };
}

/** YAML of a `<Kind>List`. */
export function toListYAML(kind: string, items: Resource[], resourceVersion?: string): string {
  return yamlText(toList(kind, items, resourceVersion));
}

/** JSON of a `<Kind>List`, envelope fields in Go's order. */
export function toListJSON(kind: string, items: Resource[], resourceVersion?: string): string {
  const list = toList(kind, items.map(envelopeOrdered) as unknown as Resource[], resourceVersion);
  const ordered = { kind: list['kind'], apiVersion: list['apiVersion'], metadata: list['metadata'], items: list['items'] };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
