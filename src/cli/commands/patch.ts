/**
 * `calicoctl patch KIND NAME -p PATCH`: change part of a stored resource in place. The patched result
 * is validated like any write and stored with compare-and-swap on the version that was patched.
 */
import { prepareResource, resolveKind } from '../../api/index.js';
import type { Resource } from '../../api/types.js';
import type { Datastore } from '../../datastore/types.js';
import { ConflictError } from '../../lib/errors.js';
import { optString, parseArgs, UsageError } from '../args.js';
import { checkStored, connectOrReport, isResults } from '../executor.js';
import { jsonPatch, mergePatch } from '../json-patch.js';
import { applyNamespace } from '../namespace.js';
import { errorText, fail } from '../results.js';
import type { CommandModule } from '../types.js';
import { CONFIG_OPTION_HELP, NAMESPACE_OPTION_HELP, RESOURCE_LIST, RESOURCE_OPTIONS, selectionFrom } from './_common.js';

const usage = `Usage:
  calicoctl patch <KIND> <NAME> --patch=<PATCH> [--type=<TYPE>] [--config=<CONFIG>] [--namespace=<NS>] [--context=<context>] [--allow-version-mismatch]

Examples:
  # Set a node's route reflector cluster ID.
  calicoctl patch node node-0 --patch '{"spec":{"bgp": {"routeReflectorClusterID": "224.0.0.1"}}}'

  # Disable a pool with a JSON Patch.
  calicoctl patch ippool pool1 --type json --patch '[{"op": "replace", "path": "/spec/disabled", "value": true}]'

Options:
  -h --help                    Show this screen.
  -p --patch=<PATCH>           The patch, as JSON.
  -t --type=<TYPE>             Patch format:
                                  merge       JSON Merge Patch, RFC 7386 (default)
                                  json        JSON Patch, RFC 6902
                                  strategic   accepted; applied as a merge patch (see below)
${CONFIG_OPTION_HELP}
${NAMESPACE_OPTION_HELP}

Description:
  Patches one resource, identified by type and name, in place. Valid resource
  types are:

${RESOURCE_LIST}
  The type is case-insensitive and may be plural or a short name (gnp, hep, ...).

  A merge patch merges objects and replaces lists whole; null removes a field.
  Kubernetes' strategic merge patch needs per-field merge keys, which Calico's
  resources do not declare, so for them it means the same as a merge patch;
  --type=strategic is therefore applied as a merge patch, and $patch directives
  are refused. The result is validated like any other write.
`;

const STRATEGIC_NOTE =
  'Note: Calico resources declare no strategic-merge keys, so --type=strategic is applied as a JSON merge patch (RFC 7386): objects merge, lists are replaced whole.\n';

function hasDirective(v: unknown): string | undefined {
  if (Array.isArray(v)) {
    for (const item of v) {
      const d = hasDirective(item);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  for (const [k, val] of Object.entries(v)) {
    if (k.startsWith('$')) return k;
    const d = hasDirective(val);
    if (d !== undefined) return d;
  }
  return undefined;
}

export const patchCommand: CommandModule = {
  name: ['patch'],
  usage,
  async run(argv, ctx) {
    const parsed = parseArgs(argv, [...RESOURCE_OPTIONS, { long: 'patch', short: 'p', value: true }, { long: 'type', short: 't', value: true }]);
    if (parsed.help) {
      ctx.stdout(usage);
      return 0;
    }
    const sel = selectionFrom(parsed);
    const patchText = optString(parsed, 'patch');
    if (sel.filename !== undefined) throw new UsageError('patch takes KIND NAME, not --filename');
    if (sel.kind === undefined || sel.names.length !== 1 || patchText === undefined) throw new UsageError('need KIND NAME --patch');
    const type = optString(parsed, 'type') ?? 'merge';
    if (type !== 'merge' && type !== 'json' && type !== 'strategic') {
      return fail(ctx, `Hit error: unknown patch type '${type}': use merge, json or strategic`);
    }
    const info = resolveKind(sel.kind);
    if (info === undefined || info.internal) return fail(ctx, `resource type '${sel.kind}' is not supported`);

    let patch: unknown;
    try {
      patch = JSON.parse(patchText);
    } catch (err) {
      return fail(ctx, `Hit error: patch is not valid JSON: ${(err as Error).message}`);
    }
    if (type === 'strategic') {
      const directive = hasDirective(patch);
      if (directive !== undefined) {
        return fail(ctx, `Hit error: strategic merge directive "${directive}" is not supported: Calico resources declare no merge keys`);
      }
      ctx.stderr(STRATEGIC_NOTE);
    }

    const target: Resource = { apiVersion: info.apiVersion, kind: info.kind, metadata: { name: sel.names[0] as string } };
    try {
      applyNamespace(target, info.namespaced, sel);
    } catch (err) {
      return fail(ctx, `Hit error: ${(err as Error).message}`);
    }

    const ds = await connectOrReport(ctx, sel.allowVersionMismatch);
    if (isResults(ds)) return fail(ctx, ds.err?.message ?? 'No resources specified');
    try {
      await patchWithCAS(ds, target, (stored) => (type === 'json' ? jsonPatch(stored, patch) : mergePatch(stored, patch)));
    } catch (err) {
      return fail(ctx, `Hit error: ${(err as Error).message}`);
    }
    ctx.stdout(`Successfully patched 1 '${info.kind}' resource\n`);
    return 0;
  },
};

function keyOf(r: Resource): { kind: string; name: string; namespace?: string } {
  return r.metadata.namespace ? { kind: r.kind, name: r.metadata.name, namespace: r.metadata.namespace } : { kind: r.kind, name: r.metadata.name };
}

/** Patch what is stored, validate, and write back conditionally; on a conflict, re-read and patch once more. */
async function patchWithCAS(ds: Datastore, target: Resource, apply: (stored: unknown) => unknown): Promise<Resource> {
  for (let attempt = 0; ; attempt++) {
    const stored = await ds.get(keyOf(target));
    const patched = apply(stored) as Resource;
    for (const field of ['apiVersion', 'kind'] as const) {
      if (patched?.[field] !== stored[field]) throw new Error(`updating existing resource: a patch may not change ${field}`);
    }
    if (patched.metadata?.name !== stored.metadata.name || (patched.metadata.namespace ?? '') !== (stored.metadata.namespace ?? '')) {
      throw new Error('updating existing resource: a patch may not change metadata.name or metadata.namespace');
    }
    let next: Resource;
    try {
      next = prepareResource(patched);
      await checkStored(next, ds, 'replace');
    } catch (err) {
      throw new Error(`updating existing resource: ${errorText(err as Error)}`, { cause: err });
    }
    // Identity metadata is the stored object's, whatever the patch said; the CAS is on the version patched.
    next.metadata = {
      ...next.metadata,
      resourceVersion: stored.metadata.resourceVersion,
      ...(stored.metadata.uid !== undefined ? { uid: stored.metadata.uid } : {}),
      ...(stored.metadata.creationTimestamp !== undefined ? { creationTimestamp: stored.metadata.creationTimestamp } : {}),
    };
    try {
      return await ds.update(next);
    } catch (err) {
      if (err instanceof ConflictError && attempt === 0) continue;
      throw new Error(`updating existing resource: ${(err as Error).message}`, { cause: err });
    }
  }
}
