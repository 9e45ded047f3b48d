/**
 * create, apply and replace differ only in the write action and their messages; this runs all three.
 */
import { optFlag, parseArgs, UsageError, type OptionSpec } from '../args.js';
import { connectOrReport, emptyResults, executeWrite, gatherResources, isResults, type WriteAction } from '../executor.js';
import { reportWrite } from '../results.js';
import type { CliContext } from '../types.js';
import { RESOURCE_OPTIONS, selectionFrom } from './_common.js';

export async function runWrite(
  action: WriteAction,
  argv: string[],
  ctx: CliContext,
  opts: { usage: string; extra?: readonly OptionSpec[] },
): Promise<number> {
  const parsed = parseArgs(argv, [...RESOURCE_OPTIONS, ...(opts.extra ?? [])]);
  if (parsed.help) {
    ctx.stdout(opts.usage);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
  const sel = selectionFrom(parsed);
  if (sel.filename === undefined) throw new UsageError('--filename is required');

  const gathered = await gatherResources(sel, ctx);
  if (isResults(gathered)) return reportWrite(action, gathered, ctx);
  if (gathered.resources.length === 0) return reportWrite(action, emptyResults(), ctx);
  const ds = await connectOrReport(ctx, sel.allowVersionMismatch);
  if (isResults(ds)) return reportWrite(action, ds, ctx);
  const results = await executeWrite(ds, gathered, {
    action,
    namespace: sel.namespace,
    allNamespaces: sel.allNamespaces,
    skipExists: optFlag(parsed, 'skip-exists'),
  });
  return reportWrite(action, results, ctx);
}

