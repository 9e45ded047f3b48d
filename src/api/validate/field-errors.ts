/**
 * Small helpers shared by the validators: an error list with JSON-path field names, and type guards.
 */
import type { FieldError } from '../../lib/errors.js';

export type Errors = FieldError[];

export function fail(errs: Errors, field: string, message: string, value?: unknown): void {
  errs.push(value === undefined ? { field, message } : { field, message, value });
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isString(v: unknown): v is string {
  return typeof v === 'string';
}

/** Present and not the JSON zero value Go's omitempty would drop. */
export function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

/** `spec.ingress` + `[0]` -> `spec.ingress[0]`; `spec` + `cidr` -> `spec.cidr`. */
export function at(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}

export function oneOf<T extends string>(values: readonly T[]): (v: unknown) => v is T {
  return (v: unknown): v is T => typeof v === 'string' && (values as readonly string[]).includes(v);
}

export function quoteList(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

/** Safe text for any decoded value (never calls a user-supplied toString). */
export function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return 'undefined';
  const json = JSON.stringify(v);
  return json === undefined ? typeof v : json;
}
