/**
 * The two patch formats `calicoctl patch` applies: JSON Merge Patch (RFC 7386) and JSON Patch
 * (RFC 6902). Pure functions over plain JSON values; the input is never modified.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * RFC 7386: objects merge recursively, `null` deletes a member, anything else (lists too) replaces.
 * @example mergePatch({ a: 1, b: { c: 2 } }, { b: { c: null, d: 3 } }) // { a: 1, b: { d: 3 } }
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v) as Json;
  }
  return out;
}

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

/** A JSON Patch operation cannot be applied; the message names the operation and path. */
export class JsonPatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPatchError';
  }
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer "${pointer}": must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(doc: Json, tokens: string[], pointer: string): { parent: Json; last: string } {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length - 1, pointer)] as Json;
    else if (isObject(cur) && t in cur) cur = cur[t] as Json;
    else throw new JsonPatchError(`path "${pointer}" does not exist`);
  }
  return { parent: cur, last: tokens[tokens.length - 1] as string };
}

function arrayIndex(token: string, max: number, pointer: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) > max) throw new JsonPatchError(`path "${pointer}": bad array index "${token}"`);
  return Number(token);
}

function getAt(doc: Json, pointer: string): Json {
  let cur: Json = doc;
  for (const t of parsePointer(pointer)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length - 1, pointer)] as Json;
    else if (isObject(cur) && t in cur) cur = cur[t] as Json;
    else throw new JsonPatchError(`path "${pointer}" does not exist`);
  }
  return cur;
}

function addAt(doc: Json, pointer: string, value: Json): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, last } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : arrayIndex(last, parent.length, pointer);
    parent.splice(i, 0, value);
  } else if (isObject(parent)) parent[last] = value;
  else throw new JsonPatchError(`path "${pointer}": parent is not an object or list`);
  return doc;
}

function removeAt(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new JsonPatchError('cannot remove the whole document');
  const { parent, last } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length - 1, pointer), 1);
  else if (isObject(parent) && last in parent) delete parent[last];
  else throw new JsonPatchError(`path "${pointer}" does not exist`);
  return doc;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * RFC 6902: apply the operations in order; any failing operation fails the whole patch.
 * @example jsonPatch({ a: [1] }, [{ op: 'add', path: '/a/-', value: 2 }]) // { a: [1, 2] }
 */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new JsonPatchError('a JSON patch must be a list of operations');
  let doc = structuredClone(target) as Json;
  ops.forEach((raw, i) => {
    if (!isObject(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string') {
      throw new JsonPatchError(`operation ${i} needs string "op" and "path"`);
    }
    const op = raw as unknown as JsonPatchOp;
    const value = structuredClone(raw['value'] ?? null) as Json;
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, value);
        break;
      case 'remove':
        doc = removeAt(doc, op.path);
        break;
      case 'replace':
        getAt(doc, op.path);
        doc = addAt(removeAtIfNotRoot(doc, op.path), op.path, value);
        break;
      case 'move': {
        if (typeof op.from !== 'string') throw new JsonPatchError(`operation ${i} (move) needs "from"`);
        const moved = structuredClone(getAt(doc, op.from));
        doc = addAt(removeAt(doc, op.from), op.path, moved);
        break;
      }
      case 'copy': {
        if (typeof op.from !== 'string') throw new JsonPatchError(`operation ${i} (copy) needs "from"`);
        doc = addAt(doc, op.path, structuredClone(getAt(doc, op.from)));
        break;
      }
      case 'test':
        if (!deepEqual(getAt(doc, op.path), value)) throw new JsonPatchError(`test failed at path "${op.path}"`);
        break;
      default:
        throw new JsonPatchError(`operation ${i} has unknown op "${String(op.op)}"`);
    }
  });
  return doc;
}

function removeAtIfNotRoot(doc: Json, pointer: string): Json {
  return pointer === '' ? doc : removeAt(doc, pointer);
}
