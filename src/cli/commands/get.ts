/**
 * `calicoctl get`: show resources by type (all, or by name) or as named in files, in ps/wide tables,
 * YAML, JSON, names or custom columns. Beyond calicoctl: `--selector` keeps only resources whose labels
 * (for endpoints, with profile-inherited and implicit labels) match a Calico selector.
 */
import { kindInfo } from '../../api/index.js';
import type { Labels, Resource } from '../../api/types.js';
import type { Datastore } from '../../datastore/types.js';
import { NotFoundError } from '../../lib/errors.js';
import { parseSelector, type Selector } from '../../selector/index.js';
import { optFlag, optString, parseArgs, UsageError } from '../args.js';
import type { CellContext } from '../columns.js';
import { effectiveLabels, inheritsProfileLabels } from '../effective-labels.js';
import { connectOrReport, gatherResources, hasMetadata, isResults, type CommandResults } from '../executor.js';
import { applyNamespace } from '../namespace.js';
import { formatFetched, parseOutputFormat, type Fetched, type OutputFormat } from '../output.js';
import { fail } from '../results.js';
import type { CliContext, CommandModule } from '../types.js';
import { CONFIG_OPTION_HELP, fileOptionHelp, RESOURCE_LIST, RESOURCE_OPTIONS, selectionFrom } from './_common.js';

const usage = `Usage:
  calicoctl get ( (<KIND> [<NAME>...]) |
                --filename=<FILENAME> [--recursive] [--skip-empty] )
                [--output=<OUTPUT>] [--config=<CONFIG>] [--namespace=<NS>] [--all-namespaces]
                [--selector=<SELECTOR>] [--export] [--context=<context>] [--allow-version-mismatch]

Examples:
  # List all policies in the default output format.
  calicoctl get policy

  # Show two policies as YAML.
  calicoctl get -o yaml policy my-policy-1 my-policy-2

  # List the workload endpoints, in every namespace, that a policy selector picks.
  calicoctl get wep -A --selector 'app == "web" && pcns.team == "blue"'

Options:
  -h --help                    Show this screen.
${fileOptionHelp('get')}
  -o --output=<OUTPUT FORMAT>  Output format: ps (default), wide, yaml, json, name or
                               custom-columns=<HEADING>,<HEADING>...
  -n --namespace=<NS>          Namespace of the resources (namespaced kinds only;
                               "default" when not given).
  -A --all-namespaces          List the resources of every namespace.
     --selector=<SELECTOR>     Only resources whose labels match this Calico selector.
                               Workload and host endpoints include the labels their
                               profiles apply; workload endpoints also have
                               projectcalico.org/namespace, projectcalico.org/orchestrator
                               and projectcalico.org/serviceaccount.
     --export                  With names given, strip cluster-specific metadata
                               (namespace, uid, resourceVersion, creationTimestamp).
${CONFIG_OPTION_HELP}

Description:
  Shows resources by type and optional names, or as identified in files or
  stdin. Valid resource types are:

${RESOURCE_LIST}
  The type is case-insensitive and may be plural or a short name (gnp, hep, ...).
  Without names every resource of the type is listed. Asking for a resource that
  does not exist is an error.

  The yaml and json output is valid input for create, apply, replace and delete.
`;

const GET_OPTIONS = [
  ...RESOURCE_OPTIONS,
  { long: 'output', short: 'o', value: true },
  { long: 'all-namespaces', short: 'A' },
  { long: 'export' },
  { long: 'selector', value: true },
] as const;

function byNamespaceAndName(a: Resource, b: Resource): number {
  const ka = `${a.metadata.namespace ?? ''}\u0000${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? ''}\u0000${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Tiers list in order (unset order last), as calicoctl sorts them. */
function sortItems(kind: string, items: Resource[]): Resource[] {
  const sorted = [...items].sort(byNamespaceAndName);
  if (kind !== 'Tier') return sorted;
  const order = (r: Resource): number => {
    const o = (r.spec as { order?: number } | undefined)?.order;
    return typeof o === 'number' ? o : Number.POSITIVE_INFINITY;
  };
  return sorted.sort((a, b) => order(a) - order(b));
}

function exportResource(r: Resource): Resource {
  const metadata = { ...r.metadata };
  delete metadata.namespace;
  delete metadata.uid;
  delete metadata.resourceVersion;
  delete metadata.creationTimestamp;
  return { ...r, metadata };
}

async function defaultASNumber(ds: Datastore): Promise<string> {
  try {
    const cfg = await ds.get({ kind: 'BGPConfiguration', name: 'default' });
    const asn = (cfg.spec as { asNumber?: number | string } | undefined)?.asNumber;
    return asn === undefined || asn === null || asn === '' ? '64512' : String(asn);
  } catch (err) {
    // calicoctl: no BGPConfiguration means the built-in default; any other failure prints "unknown".
    return err instanceof NotFoundError ? '64512' : 'unknown';
  }
}

async function profileLabels(ds: Datastore): Promise<Map<string, Labels>> {
  const { items } = await ds.list({ kind: 'Profile' });
  return new Map(items.map((p) => [p.metadata.name, ((p.spec as { labelsToApply?: Labels } | undefined)?.labelsToApply ?? {})]));
}

function reportGetFailure(r: CommandResults, ctx: CliContext): number {
  if (r.fileInvalid) return fail(ctx, `Failed to execute command: ${r.err?.message ?? ''}`);
  if (r.err !== undefined) return fail(ctx, `Failed to get resources: ${r.err.message}`);
  return 0;
}

export const getCommand: CommandModule = {
  name: ['get'],
  usage,
  async run(argv, ctx) {
    // calicoctl still accepts -a for --all-namespaces.
    const parsed = parseArgs(
      argv.map((a) => (a === '-a' ? '-A' : a)),
      GET_OPTIONS,
    );
    if (parsed.help) {
      ctx.stdout(usage);
      return 0;
    }
    const allNamespaces = optFlag(parsed, 'all-namespaces');
    const sel = selectionFrom(parsed, { allNamespaces });
    if (sel.filename !== undefined && parsed.positionals.length > 0) throw new UsageError('give either --filename or KIND [NAME...]');
    if (sel.filename === undefined && sel.kind === undefined) throw new UsageError('missing KIND');

    let format: OutputFormat;
    let selector: Selector | undefined;
    try {
      format = parseOutputFormat(optString(parsed, 'output') ?? 'ps');
      const selText = optString(parsed, 'selector');
      if (selText !== undefined) selector = parseSelector(selText);
    } catch (err) {
      return fail(ctx, (err as Error).message);
    }
    const printNamespace = allNamespaces || sel.namespace !== '';

    const gathered = await gatherResources(sel, ctx);
    if (isResults(gathered)) return reportGetFailure(gathered, ctx);
    const ds = await connectOrReport(ctx, sel.allowVersionMismatch);
    if (isResults(ds)) return reportGetFailure(ds, ctx);

    const fetched: Fetched[] = [];
    const errors: Error[] = [];
    for (const raw of gathered.resources) {
      try {
        fetched.push(await fetchOne(ds, structuredClone(raw), sel));
      } catch (err) {
        errors.push(err as Error);
      }
    }

    const filtered = selector === undefined ? fetched : await filterBySelector(ds, fetched, selector);
    const exported = optFlag(parsed, 'export') && sel.names.length > 0 ? filtered.map(exportFetched) : filtered;

    const cellContext: CellContext = { defaultASNumber: '64512' };
    if (needsASNumber(exported, format)) cellContext.defaultASNumber = await defaultASNumber(ds);
    try {
      ctx.stdout(formatFetched(exported, format, { printNamespace, cellContext }));
    } catch (err) {
      return fail(ctx, (err as Error).message);
    }
    if (errors.length > 0) return fail(ctx, errors.map((e) => e.message).join('\n'));
    return 0;
  },
};

async function fetchOne(ds: Datastore, r: Resource, sel: { namespace: string; allNamespaces: boolean }): Promise<Fetched> {
  const info = kindInfo(r.kind);
  if (info === undefined || info.internal) throw new Error(`Unknown resource type (${r.kind}) and/or version (${r.apiVersion})`);
  if (!hasMetadata(r)) r.metadata = { name: '' };
  applyNamespace(r, info.namespaced, sel);
  const ns = r.metadata.namespace;
  if (r.metadata.name) {
    if (info.namespaced && !ns) throw new Error('cannot use --all-namespace flag for getting a single resource');
    const key = ns ? { kind: info.kind, name: r.metadata.name, namespace: ns } : { kind: info.kind, name: r.metadata.name };
    return { type: 'resource', resource: await ds.get(key) };
  }
  const list = await ds.list(ns ? { kind: info.kind, namespace: ns } : { kind: info.kind });
  return { type: 'list', kind: info.kind, items: sortItems(info.kind, list.items), revision: list.revision };
}

async function filterBySelector(ds: Datastore, fetched: Fetched[], selector: Selector): Promise<Fetched[]> {
  const kinds = fetched.map((f) => (f.type === 'resource' ? f.resource.kind : f.kind));
  const profiles = kinds.some(inheritsProfileLabels) ? await profileLabels(ds) : new Map<string, Labels>();
  const matches = (r: Resource): boolean => selector.evaluate(effectiveLabels(r, profiles));
  const out: Fetched[] = [];
  for (const f of fetched) {
    if (f.type === 'list') out.push({ ...f, items: f.items.filter(matches) });
    else if (matches(f.resource)) out.push(f);
  }
  return out;
}

function exportFetched(f: Fetched): Fetched {
  return f.type === 'resource' ? { type: 'resource', resource: exportResource(f.resource) } : f;
}

function needsASNumber(fetched: readonly Fetched[], format: OutputFormat): boolean {
  if (format.type === 'table' && !format.wide) return false;
  if (format.type !== 'table' && format.type !== 'custom-columns') return false;
  return fetched.some((f) => (f.type === 'resource' ? f.resource.kind : f.kind) === 'Node');
}
