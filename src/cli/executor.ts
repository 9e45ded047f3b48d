/**
 * The shared executor behind create/apply/replace/delete/get (calicoctl's ExecuteConfigCommand):
 * gather the resources (from `-f` or from `KIND NAME…`), connect, and run the action per resource.
 *
 * Writes are two-phase: every resource is namespaced, converted, defaulted and validated (also
 * against the datastore, seeing the request's earlier resources) before anything is written; one
 * invalid resource means nothing is written. Writes then go in order and stop at the first failure,
 * so "applied the first N out of M" is exact.
 */
import { checkAgainstDatastore, deleteRefusal, kindInfo, prepareResource, resolveKind } from '../api/index.js';
import type { Resource } from '../api/types.js';
import type { Datastore } from '../datastore/types.js';
import { AlreadyExistsError, ConflictError, describeRef, NotFoundError, ValidationError } from '../lib/errors.js';
import { buildInfo } from './build-info.js';
import { ensureInitialized } from './initialize.js';
import { FileInvalidError, loadManifests, NoResourcesError } from './manifests.js';
import { applyNamespace, type NamespaceFlags } from './namespace.js';
import { OverlayDatastore } from './overlay.js';
import type { CliContext } from './types.js';
import { checkVersionMismatch } from './version-check.js';

export interface Selection extends NamespaceFlags {
  /** `-f` value, when resources come from files. */
  filename?: string | undefined;
  recursive: boolean;
  skipEmpty: boolean;
  /** `KIND` word and `NAME…` when resources come from the command line. */
  kind?: string | undefined;
  names: string[];
  allowVersionMismatch: boolean;
}

/** calicoctl's CommandResults. */
export interface CommandResults {
  /** The input could not be read or parsed. */
  fileInvalid: boolean;
  numResources: number;
  numHandled: number;
  /** A request-level error (nothing was attempted). */
  err?: Error | undefined;
  /** The one kind the request is about, or '' when several kinds are mixed. */
  singleKind: string;
  resources: Resource[];
  /** Errors of individual resources. */
  resErrs: Error[];
}

/** The datastore could not be opened; calicoctl prints "Failed to create Calico API client: …". */
export class ClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClientError';
  }
}

export function emptyResults(partial: Partial<CommandResults> = {}): CommandResults {
  return { fileInvalid: false, numResources: 0, numHandled: 0, singleKind: '', resources: [], resErrs: [], ...partial };
}

export interface Gathered {
  resources: Resource[];
  /** True when the kind came from the command line (calicoctl then always names it). */
  fromArgs: boolean;
}

/** Resources named by the request, or the CommandResults to report when there are none. */
export async function gatherResources(sel: Selection, ctx: CliContext): Promise<Gathered | CommandResults> {
  if (sel.filename !== undefined) {
    try {
      const resources = await loadManifests(
        { filename: sel.filename, recursive: sel.recursive, skipEmpty: sel.skipEmpty },
        () => ctx.readStdin(),
      );
      return { resources, fromArgs: false };
    } catch (err) {
      if (err instanceof FileInvalidError) return emptyResults({ fileInvalid: true, err });
      if (err instanceof NoResourcesError) return emptyResults({ err });
      throw err;
    }
  }
  const word = sel.kind ?? '';
  const info = resolveKind(word);
  if (info === undefined || info.internal) return emptyResults({ err: new Error(`resource type '${word}' is not supported`) });
  const names = sel.names.length === 0 ? [''] : sel.names;
  if (sel.names.length > 0 && sel.names.some((n) => n === '')) {
    return emptyResults({ err: new Error('resource name may not be empty') });
  }
  const resources = names.map(
    (name): Resource => ({
      apiVersion: info.apiVersion,
      kind: info.kind,
      metadata: info.namespaced && sel.namespace !== '' ? { name, namespace: sel.namespace } : { name },
    }),
  );
  return { resources, fromArgs: true };
}

export function singleKindOf(g: Gathered): string {
  const kinds = new Set(g.resources.map((r) => r.kind));
  return kinds.size === 1 || g.fromArgs ? (g.resources[g.resources.length - 1]?.kind ?? '') : '';
}

/** Open the datastore and run calicoctl's version check. Throws ClientError, or the mismatch error. */
export async function connect(ctx: CliContext, allowVersionMismatch: boolean): Promise<Datastore> {
  let ds: Datastore;
  try {
    ds = await ctx.datastore();
  } catch (err) {
    throw new ClientError(`Failed to create Calico API client: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!allowVersionMismatch) await checkVersionMismatch(ds, (await buildInfo()).version);
  return ds;
}

/** connect(), with a version-mismatch (or other non-client) failure returned as request-level results. */
export async function connectOrReport(ctx: CliContext, allowVersionMismatch: boolean): Promise<Datastore | CommandResults> {
  try {
    return await connect(ctx, allowVersionMismatch);
  } catch (err) {
    if (err instanceof ClientError) throw err;
    return emptyResults({ err: err as Error });
  }
}

export function isResults(v: unknown): v is CommandResults {
  return typeof v === 'object' && v !== null && 'resErrs' in v && 'numHandled' in v;
}

export function isNamespaced(kind: string): boolean {
  return kindInfo(kind)?.namespaced ?? false;
}

/** Copy, set the namespace per -n/-A, then convert/default/validate (no datastore). */
export function prepareOne(raw: Resource, ns: NamespaceFlags): Resource {
  const copy = structuredClone(raw);
  const info = kindInfo(copy.kind);
  // Without metadata there is no namespace to set; prepareResource reports the missing field.
  if (info !== undefined && hasMetadata(copy)) applyNamespace(copy, info.namespaced, ns);
  const prepared = prepareResource(copy);
  if (info === undefined && isNamespaced(prepared.kind) && !prepared.metadata.namespace) {
    prepared.metadata.namespace = ns.namespace || 'default';
  }
  return prepared;
}

/** Whether a manifest resource has a metadata object (parseManifests only guarantees kind and apiVersion). */
export function hasMetadata(r: Resource): boolean {
  return typeof r.metadata === 'object' && r.metadata !== null && !Array.isArray(r.metadata);
}

/** Throw a ValidationError naming the resource when it has no usable metadata.name. */
export function requireName(r: Resource): void {
  if (!hasMetadata(r) || typeof r.metadata.name !== 'string') {
    throw new ValidationError({ kind: String(r.kind), name: '' }, [{ field: 'metadata.name', message: 'is required' }]);
  }
}

export type WriteAction = 'create' | 'apply' | 'replace';

/** The datastore-dependent rules (pool overlap, immutable fields, tier exists), as a ValidationError. */
export async function checkStored(r: Resource, ds: Datastore, op: WriteAction): Promise<void> {
  const errs = await checkAgainstDatastore(r, ds, op);
  if (errs.length > 0) throw new ValidationError(keyOf(r), errs);
}

/** calicoctl keeps ClusterInformation read-only: calico-node owns it. */
function readOnlyError(action: WriteAction | 'delete', r: Resource): Error | undefined {
  if (r.kind !== 'ClusterInformation') return undefined;
  switch (action) {
    case 'apply':
      return new Error('operation apply is not supported on ClusterInformation: resource is readonly');
    case 'create':
      return new Error('operation create or apply is not supported on ClusterInformation');
    case 'replace':
      return new Error('operation apply or replace is not supported on ClusterInformation');
    case 'delete':
      return new Error('operation delete is not supported on ClusterInformation');
  }
}

function keyOf(r: Resource): { kind: string; name: string; namespace?: string } {
  return r.metadata.namespace ? { kind: r.kind, name: r.metadata.name, namespace: r.metadata.namespace } : { kind: r.kind, name: r.metadata.name };
}

async function exists(ds: Datastore, r: Resource): Promise<boolean> {
  try {
    await ds.get(keyOf(r));
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

export interface WriteOptions extends NamespaceFlags {
  action: WriteAction;
  /** create: count existing resources as created instead of failing. */
  skipExists?: boolean;
}

/**
 * Validate every resource, then write them in order (see the module comment).
 * @example await executeWrite(ds, gathered, { action: 'apply', namespace: '', allNamespaces: false })
 */
export async function executeWrite(ds: Datastore, g: Gathered, opts: WriteOptions): Promise<CommandResults> {
  const { action } = opts;
  const ns: NamespaceFlags = { namespace: opts.namespace, allNamespaces: opts.allNamespaces };
  const results = emptyResults({ numResources: g.resources.length, singleKind: singleKindOf(g) });
  await ensureInitialized(ds);

  // Phase 1: everything must be valid before anything is written.
  const view = new OverlayDatastore(ds);
  const prepared: Array<{ resource: Resource; skip: boolean }> = [];
  const invalid: Error[] = [];
  for (const raw of g.resources) {
    try {
      const ro = readOnlyError(action, raw);
      if (ro !== undefined) throw ro;
      const r = prepareOne(raw, ns);
      const present = await exists(view, r);
      if (action === 'create' && present) {
        if (!opts.skipExists) throw new AlreadyExistsError(keyOf(r));
        prepared.push({ resource: r, skip: true });
        continue;
      }
      if (action === 'replace' && !present) throw new NotFoundError(keyOf(r));
      await checkStored(r, view, action);
      view.stage(r);
      prepared.push({ resource: r, skip: false });
    } catch (err) {
      invalid.push(err as Error);
    }
  }
  if (invalid.length > 0) {
    results.resErrs = invalid;
    return results;
  }

  // Phase 2: write in order, stopping at the first failure.
  for (const { resource: r, skip } of prepared) {
    try {
      results.resources.push(skip ? r : await writeOne(ds, r, action));
      results.numHandled++;
    } catch (err) {
      if (err instanceof AlreadyExistsError && opts.skipExists) {
        results.resources.push(r);
        results.numHandled++;
        continue;
      }
      results.resErrs.push(err as Error);
      break;
    }
  }
  return results;
}

async function writeOne(ds: Datastore, r: Resource, action: WriteAction): Promise<Resource> {
  if (action === 'replace') return updateWithCAS(ds, r);
  const userVersion = r.metadata.resourceVersion;
  try {
    return await ds.create(forCreate(r));
  } catch (err) {
    if (action === 'apply' && err instanceof AlreadyExistsError) {
      return updateWithCAS(ds, userVersion === undefined ? r : { ...r, metadata: { ...r.metadata, resourceVersion: userVersion } });
    }
    throw err;
  }
}

/** Only what a user may set survives into a create (calicoctl's prepareMetadataForCreate). */
function forCreate(r: Resource): Resource {
  const m = r.metadata;
  const metadata: Resource['metadata'] = { name: m.name };
  if (m.namespace) metadata.namespace = m.namespace;
  if (m.labels !== undefined) metadata.labels = m.labels;
  if (m.annotations !== undefined) metadata.annotations = m.annotations;
  return { ...r, metadata };
}

/**
 * Replace a stored resource, keeping its identity metadata and compare-and-swapping on the stored
 * resourceVersion. A resourceVersion given by the user must be current (no retry); otherwise one
 * retry after a conflict, re-reading the stored object.
 */
export async function updateWithCAS(ds: Datastore, r: Resource): Promise<Resource> {
  const userVersion = r.metadata.resourceVersion;
  for (let attempt = 0; ; attempt++) {
    const stored = await ds.get(keyOf(r));
    if (userVersion !== undefined && userVersion !== '' && userVersion !== stored.metadata.resourceVersion) {
      throw new ConflictError(
        keyOf(r),
        `update conflict: resource version '${userVersion}' is out of date (latest: ${stored.metadata.resourceVersion}); update the resource YAML/JSON in order to make changes`,
      );
    }
    try {
      return await ds.update(mergeMetadataForUpdate(stored, r));
    } catch (err) {
      if (err instanceof ConflictError && attempt === 0 && !userVersion) continue;
      throw err;
    }
  }
}

/**
 * The stored object's identity (uid, creationTimestamp, resourceVersion for CAS) with the new
 * object's labels and annotations: the user's manifest is the whole truth for those.
 */
export function mergeMetadataForUpdate(stored: Resource, r: Resource): Resource {
  const metadata = { ...stored.metadata };
  delete metadata.labels;
  delete metadata.annotations;
  if (r.metadata.labels !== undefined) metadata.labels = r.metadata.labels;
  if (r.metadata.annotations !== undefined) metadata.annotations = r.metadata.annotations;
  return { ...r, metadata };
}

export interface DeleteOptions extends NamespaceFlags {
  /** Count missing resources as deleted instead of failing. */
  skipNotExists?: boolean;
}

/** Delete each resource (by its key; CAS when the manifest carries a resourceVersion); errors do not stop the rest. */
export async function executeDelete(ds: Datastore, g: Gathered, opts: DeleteOptions): Promise<CommandResults> {
  const ns: NamespaceFlags = { namespace: opts.namespace, allNamespaces: opts.allNamespaces };
  const results = emptyResults({ numResources: g.resources.length, singleKind: singleKindOf(g) });
  for (const raw of g.resources) {
    try {
      requireName(raw);
      const r = structuredClone(raw);
      const info = kindInfo(r.kind);
      if (info === undefined || info.internal || r.apiVersion !== info.apiVersion) {
        // Not a v3 manifest (a Kubernetes NetworkPolicy, say): convert to learn the Calico key.
        const converted = prepareOne(raw, ns);
        Object.assign(r, { kind: converted.kind, apiVersion: converted.apiVersion, metadata: converted.metadata });
      } else {
        applyNamespace(r, info.namespaced, ns);
      }
      const ro = readOnlyError('delete', r);
      if (ro !== undefined) throw ro;
      const refusal = await deleteRefusal(keyOf(r), ds);
      if (refusal !== undefined) throw new Error(`operation delete is not supported on ${describeRef(keyOf(r))}: ${refusal}`);
      const rv = r.metadata.resourceVersion;
      const out = await ds.delete(keyOf(r), rv ? { resourceVersion: rv } : undefined);
      results.resources.push(out);
      results.numHandled++;
    } catch (err) {
      if (err instanceof NotFoundError && opts.skipNotExists) {
        results.resources.push(raw);
        results.numHandled++;
        continue;
      }
      results.resErrs.push(err as Error);
    }
  }
  return results;
}

