/** `calicoctl label KIND NAME key=value | key --remove`: set or remove one label on a stored resource. */
import { prepareResource, resolveKind } from '../../api/index.js';
import type { Resource } from '../../api/types.js';
import type { Datastore } from '../../datastore/types.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { optFlag, parseArgs, UsageError } from '../args.js';
import { checkStored, connectOrReport, isResults } from '../executor.js';
import { applyNamespace } from '../namespace.js';
import { fail } from '../results.js';
import type { CommandModule } from '../types.js';
import { CONFIG_OPTION_HELP, NAMESPACE_OPTION_HELP, RESOURCE_OPTIONS, selectionFrom } from './_common.js';

const usage = `Usage:
  calicoctl label (<KIND> <NAME>
                  ( <key>=<value> [--overwrite] |
                    <key> --remove )
                  [--config=<CONFIG>] [--namespace=<NS>] [--context=<context>]) [--allow-version-mismatch]

Examples:
  # Label a workload endpoint
  calicoctl label workloadendpoints nginx --namespace=default app=web

  # Label a node, replacing the value of key 'cluster'
  calicoctl label nodes node1 cluster=frontend --overwrite

  # Remove the label 'cluster' from a node
  calicoctl label nodes node1 cluster --remove

Options:
  -h --help                    Show this screen.
${NAMESPACE_OPTION_HELP}
     --overwrite               Replace the value when the key is already present
                               (otherwise that is an error). Not with --remove.
     --remove                  Remove the key; an error when the key is absent.
                               Not with --overwrite.
${CONFIG_OPTION_HELP}

Description:
  Adds, updates or removes one label on a resource. The type is case-insensitive
  and may be plural or a short name. Labelling a resource that does not exist,
  removing a label it does not have, or changing an existing label without
  --overwrite are errors. The labelled resource is validated before it is stored.
`;

export const labelCommand: CommandModule = {
  name: ['label'],
  usage,
  async run(argv, ctx) {
    const parsed = parseArgs(argv, [...RESOURCE_OPTIONS, { long: 'overwrite' }, { long: 'remove' }]);
    if (parsed.help) {
      ctx.stdout(usage);
      return 0;
    }
    const sel = selectionFrom(parsed);
    const remove = optFlag(parsed, 'remove');
    const overwrite = optFlag(parsed, 'overwrite');
    if (sel.filename !== undefined || parsed.positionals.length !== 3 || (remove && overwrite)) {
      throw new UsageError('need KIND NAME and one label');
    }
    const [kindWord, name, labelArg] = parsed.positionals as [string, string, string];
    let key: string;
    let value = '';
    if (remove) {
      key = labelArg;
    } else {
      const kv = labelArg.split('=');
      if (kv.length !== 2) return fail(ctx, `invalid label ${labelArg}`);
      [key, value] = kv as [string, string];
    }

    const info = resolveKind(kindWord);
    if (info === undefined || info.internal) return fail(ctx, `failed to get ${kindWord} ${name}, error resource type '${kindWord}' is not supported`);
    const target: Resource = { apiVersion: info.apiVersion, kind: info.kind, metadata: { name } };
    try {
      applyNamespace(target, info.namespaced, sel);
    } catch (err) {
      return fail(ctx, `failed to get ${kindWord} ${name}, error ${(err as Error).message}`);
    }
    const ds = await connectOrReport(ctx, sel.allowVersionMismatch);
    if (isResults(ds)) return fail(ctx, `failed to get ${kindWord} ${name}, error ${ds.err?.message ?? ''}`);

    let outcome: 'set' | 'updated' | 'removed';
    try {
      outcome = await labelWithCAS(ds, target, { key, value, remove, overwrite, what: `${kindWord} ${name}` });
    } catch (err) {
      if (err instanceof LabelError) return fail(ctx, err.message);
      if (err instanceof NotFoundError) return fail(ctx, `${kindWord} ${name} not found`);
      return fail(ctx, `failed to update ${kindWord} ${name}, label not changed: ${(err as Error).message}`);
    }
    if (outcome === 'removed') ctx.stdout(`Successfully removed label ${key} from ${kindWord} ${name}\n`);
    else if (outcome === 'updated') ctx.stdout(`Successfully updated label ${key} on ${kindWord} ${name}\n`);
    else ctx.stdout(`Successfully set label ${key} on ${kindWord} ${name}\n`);
    return 0;
  },
};

/** The requested label change does not fit the stored labels (message is calicoctl's). */
class LabelError extends Error {}

interface LabelChange {
  key: string;
  value: string;
  remove: boolean;
  overwrite: boolean;
  /** `KIND NAME` as the user typed them, for messages. */
  what: string;
}

async function labelWithCAS(ds: Datastore, target: Resource, change: LabelChange): Promise<'set' | 'updated' | 'removed'> {
  const key = target.metadata.namespace
    ? { kind: target.kind, name: target.metadata.name, namespace: target.metadata.namespace }
    : { kind: target.kind, name: target.metadata.name };
  for (let attempt = 0; ; attempt++) {
    const stored = await ds.get(key);
    const labels = { ...(stored.metadata.labels ?? {}) };
    let outcome: 'set' | 'updated' | 'removed';
    if (change.remove) {
      if (!(change.key in labels)) throw new LabelError(`cannot remove label of ${change.what}, key ${change.key} does not exist`);
      delete labels[change.key];
      outcome = 'removed';
    } else if (change.key in labels) {
      if (!change.overwrite && labels[change.key] !== change.value) {
        throw new LabelError(
          `failed to update label of ${change.what}, key ${change.key} is already present. please use '--overwrite' to set a new value.`,
        );
      }
      labels[change.key] = change.value;
      outcome = 'updated';
    } else {
      labels[change.key] = change.value;
      outcome = 'set';
    }
    const next = prepareResource({ ...stored, metadata: { ...stored.metadata, labels } });
    await checkStored(next, ds, 'replace');
    next.metadata = { ...next.metadata, resourceVersion: stored.metadata.resourceVersion };
    try {
      await ds.update(next);
      return outcome;
    } catch (err) {
      if (err instanceof ConflictError && attempt === 0) continue;
      throw err;
    }
  }
}
