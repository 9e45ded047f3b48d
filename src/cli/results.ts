/**
 * Turning CommandResults into calicoctl's output lines and exit code, per verb.
 * Messages and their stdout/stderr split follow calicoctl's commands/*.go.
 */
import type { CommandResults } from './executor.js';
import type { CliContext } from './types.js';

/** Go's `%v` of a []error: `[first second]`. */
export function goErrList(errs: readonly Error[]): string {
  return `[${errs.map((e) => e.message).join(' ')}]`;
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

function errText(errs: readonly Error[], bare: boolean): string {
  return bare && errs.length === 1 ? (errs[0] as Error).message : goErrList(errs);
}

/**
 * Print the outcome of create/apply/replace and return the exit code.
 * @example reportWrite('apply', results, ctx) // prints "Successfully applied 3 resource(s)"
 */
export function reportWrite(verbName: 'apply' | 'create' | 'replace', r: CommandResults, ctx: CliContext): number {
  const v = WRITE_VERBS[verbName] as WriteVerb;
  const kind = r.singleKind;
  if (r.fileInvalid) return fail(ctx, `Failed to execute command: ${r.err?.message ?? ''}`);
  if (r.numResources === 0) {
    if (r.err !== undefined) return fail(ctx, r.err.message);
    ctx.stdout('No resources specified\n');
    return 0;
  }
  if (r.numHandled === 0) {
    const errs = errText(r.resErrs, v.bare);
    if (r.numResources === 1) return fail(ctx, `Failed to ${v.verb} '${kind}' resource: ${errs}`);
    if (kind !== '') return fail(ctx, `Failed to ${v.verb} any '${kind}' resources: ${errs}`);
    return fail(ctx, `Failed to ${v.verb} any resources: ${errs}`);
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
  return fail(ctx, `${v.hit}: ${errText(r.resErrs, v.bare)}`);
}

/** Outcome of delete: successes are reported even when some resources failed. */
export function reportDelete(r: CommandResults, ctx: CliContext): number {
  const kind = r.singleKind;
  if (r.fileInvalid) return fail(ctx, `Failed to execute command: ${r.err?.message ?? ''}`);
  if (r.numResources === 0) {
    if (r.err !== undefined) return fail(ctx, r.err.message);
    ctx.stdout('No resources specified\n');
    return 0;
  }
  if (r.err !== undefined) return fail(ctx, `Hit error: ${r.err.message}`);
  if (r.numHandled > 0) {
    ctx.stdout(
      kind !== '' ? `Successfully deleted ${r.numHandled} '${kind}' resource(s)\n` : `Successfully deleted ${r.numHandled} resource(s)\n`,
    );
  }
  if (r.resErrs.length > 0) {
    const lines = r.resErrs.map((e) =>
      kind !== '' ? `Failed to delete '${kind}' resource: ${e.message}\n` : `Failed to delete resource: ${e.message}\n`,
    );
    ctx.stderr(`${lines.join('')}\n`);
    return 1;
  }
  return 0;
}

/** Outcome of validate (calicoctl's lower-case messages). */
export function reportValidate(r: CommandResults, ctx: CliContext): number {
  const kind = r.singleKind;
  if (r.fileInvalid) return fail(ctx, `failed to execute command: ${r.err?.message ?? ''}`);
  if (r.numResources === 0) {
    if (r.err !== undefined) return fail(ctx, r.err.message);
    ctx.stdout('No resources specified\n');
    return 0;
  }
  const errs = goErrList(r.resErrs);
  if (r.numHandled === 0) {
    if (r.numResources === 1) return fail(ctx, `failed to validate '${kind}' resource: ${errs}`);
    if (kind !== '') return fail(ctx, `failed to validate any '${kind}' resources: ${errs}`);
    return fail(ctx, `failed to validate any resources: ${errs}`);
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
  return fail(ctx, `hit error(s): ${errs}`);
}

/** Print an error line to stderr and return exit code 1. */
export function fail(ctx: CliContext, message: string): number {
  ctx.stderr(message.endsWith('\n') ? message : `${message}\n`);
  return 1;
}
