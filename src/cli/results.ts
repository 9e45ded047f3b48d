/**
 * Turning CommandResults into calicoctl's output lines and exit code, per verb.
 * Messages and their stdout/stderr split follow calicoctl's commands/*.go.
 */
import { describeRef, ValidationError, type FieldError } from '../lib/errors.js';
import type { CommandResults } from './executor.js';
import type { CliContext } from './types.js';

function fieldText(f: FieldError): string {
  return `${f.field}: ${f.message}${f.value === undefined ? '' : ` (value ${JSON.stringify(f.value)})`}`;
}

/**
 * One error as text: a validation error with several fields gets one line per field, the way
 * libcalico-go prints "error with the following fields:" (repeated fields are dropped).
 */
export function errorText(err: Error): string {
  if (!(err instanceof ValidationError) || err.resource === undefined) return err.message;
  const fields = [...new Set(err.fields.map(fieldText))];
  if (fields.length < 2) return err.message;
  return `error with the following fields of ${describeRef(err.resource)}:\n${fields.map((f) => `-  ${f}`).join('\n')}`;
}

/**
 * The errors to put after a calicoctl message prefix ending in ':' (the leading separator is
 * included). A single one-line error keeps calicoctl's exact form (` [err]`, or bare for replace);
 * several errors, or one spanning several fields, become a de-duplicated list, one error per line,
 * instead of Go's run-together `[a b c]`.
 * @example formatErrors([e1, e2]) // "\n-  error with field IPPool(a): …\n-  error with field IPPool(b): …"
 */
export function formatErrors(errs: readonly Error[], bare = false): string {
  const texts = [...new Set(errs.map(errorText))];
  if (texts.length === 1 && !(texts[0] as string).includes('\n')) {
    return bare ? ` ${texts[0] as string}` : ` [${texts[0] as string}]`;
  }
  const items = texts.map((t) => `-  ${t.replaceAll('\n', '\n   ')}`);
  return `\n${items.join('\n')}`;
}

interface WriteVerb {
  /** `apply` */
  verb: string;
  /** `applied` */
  past: string;
  /** The error prefix after a partial success: `Hit error(s)` for apply, `Hit error` otherwise. */
  hit: string;
  /** replace reports a single error without Go's slice brackets. */
  bare: boolean;
}

const WRITE_VERBS: Record<string, WriteVerb> = {
  apply: { verb: 'apply', past: 'applied', hit: 'Hit error(s)', bare: false },
  create: { verb: 'create', past: 'created', hit: 'Hit error', bare: false },
  replace: { verb: 'replace', past: 'replaced', hit: 'Hit error', bare: true },
};

/**
 * Print the outcome of create/apply/replace and return the exit code.
 * @example reportWrite('apply', results, ctx) // prints "Successfully applied 3 resource(s)"
 */
export function reportWrite(verbName: 'apply' | 'create' | 'replace', r: CommandResults, ctx: CliContext): number {
  const v = WRITE_VERBS[verbName] as WriteVerb;
  const kind = r.singleKind;
  const early = reportNothingDone(r, ctx, 'Failed');
  if (early !== undefined) return early;
  if (r.numHandled === 0) {
    const errs = formatErrors(r.resErrs, v.bare);
    if (r.numResources === 1) return fail(ctx, `Failed to ${v.verb} '${kind}' resource:${errs}`);
    if (kind !== '') return fail(ctx, `Failed to ${v.verb} any '${kind}' resources:${errs}`);
    return fail(ctx, `Failed to ${v.verb} any resources:${errs}`);
  }
  if (r.resErrs.length === 0) {
    ctx.stdout(
      kind !== ''
        ? `Successfully ${v.past} ${r.numHandled} '${kind}' resource(s)\n`
        : `Successfully ${v.past} ${r.numHandled} resource(s)\n`,
    );
    return 0;
  }
  ctx.stdout(
    kind !== ''
      ? `Partial success: ${v.past} the first ${r.numHandled} out of ${r.numResources} '${kind}' resources:\n`
      : `Partial success: ${v.past} the first ${r.numHandled} out of ${r.numResources} resources:\n`,
  );
  return fail(ctx, `${v.hit}:${formatErrors(r.resErrs, v.bare)}`);
}

/** Outcome of delete: successes are reported even when some resources failed. */
export function reportDelete(r: CommandResults, ctx: CliContext): number {
  const kind = r.singleKind;
  const early = reportNothingDone(r, ctx, 'Failed');
  if (early !== undefined) return early;
  if (r.err !== undefined) return fail(ctx, `Hit error: ${r.err.message}`);
  if (r.numHandled > 0) {
    ctx.stdout(
      kind !== '' ? `Successfully deleted ${r.numHandled} '${kind}' resource(s)\n` : `Successfully deleted ${r.numHandled} resource(s)\n`,
    );
  }
  if (r.resErrs.length > 0) {
    const lines = [...new Set(r.resErrs.map(errorText))].map((m) =>
      kind !== '' ? `Failed to delete '${kind}' resource: ${m}\n` : `Failed to delete resource: ${m}\n`,
    );
    ctx.stderr(`${lines.join('')}\n`);
    return 1;
  }
  return 0;
}

/** Outcome of validate (calicoctl's lower-case messages). */
export function reportValidate(r: CommandResults, ctx: CliContext): number {
  const kind = r.singleKind;
  const early = reportNothingDone(r, ctx, 'failed');
  if (early !== undefined) return early;
  const errs = formatErrors(r.resErrs);
  if (r.numHandled === 0) {
    if (r.numResources === 1) return fail(ctx, `failed to validate '${kind}' resource:${errs}`);
    if (kind !== '') return fail(ctx, `failed to validate any '${kind}' resources:${errs}`);
    return fail(ctx, `failed to validate any resources:${errs}`);
  }
  if (r.resErrs.length === 0) {
    ctx.stdout(
      kind !== ''
        ? `Successfully validated ${r.numHandled} '${kind}' resource(s)\n`
        : `Successfully validated ${r.numHandled} resource(s)\n`,
    );
    return 0;
  }
  ctx.stdout(
    kind !== ''
      ? `Partial success: validated the first ${r.numHandled} out of ${r.numResources} '${kind}' resources:\n`
      : `Partial success: validated the first ${r.numHandled} out of ${r.numResources} resources:\n`,
  );
  return fail(ctx, `hit error(s):${errs}`);
}

/**
 * The outcomes every verb reports alike: the input could not be read, or it held no resources.
 * Returns the exit code, or undefined when there were resources to handle. (calicoctl's validate
 * writes "failed" in lower case where the other verbs write "Failed".)
 */
function reportNothingDone(r: CommandResults, ctx: CliContext, failed: 'Failed' | 'failed'): number | undefined {
  if (r.fileInvalid) return fail(ctx, `${failed} to execute command: ${r.err?.message ?? ''}`);
  if (r.numResources > 0) return undefined;
  if (r.err !== undefined) return fail(ctx, r.err.message);
  ctx.stdout('No resources specified\n');
  return 0;
}

/** Print an error line to stderr and return exit code 1. */
export function fail(ctx: CliContext, message: string): number {
  ctx.stderr(message.endsWith('\n') ? message : `${message}\n`);
  return 1;
}
