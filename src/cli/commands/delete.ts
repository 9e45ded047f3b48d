/** `calicoctl delete`: delete resources named by file or by `KIND NAME…`. */
import { optFlag, parseArgs, UsageError } from '../args.js';
import { connectOrReport, executeDelete, gatherResources, isResults } from '../executor.js';
import { reportDelete } from '../results.js';
import type { CommandModule } from '../types.js';
import { CONFIG_OPTION_HELP, fileOptionHelp, NAMESPACE_OPTION_HELP, RESOURCE_LIST, RESOURCE_OPTIONS, selectionFrom } from './_common.js';

const usage = `Usage:
  calicoctl delete ( (<KIND> [<NAME>...]) |
                   --filename=<FILE> [--recursive] [--skip-empty] )
                   [--skip-not-exists] [--config=<CONFIG>] [--namespace=<NS>] [--context=<context>] [--allow-version-mismatch]

Examples:
  # Delete the resources named in policy.yaml.
  calicoctl delete -f ./policy.yaml

  # Delete the resources named in YAML on stdin.
  cat policy.yaml | calicoctl delete -f -

  # Delete the policies "foo" and "bar" in namespace "prod".
  calicoctl delete policy foo bar -n prod

Options:
  -h --help                    Show this screen.
  -s --skip-not-exists         Treat resources that do not exist as deleted.
${fileOptionHelp('delete')}
${CONFIG_OPTION_HELP}
${NAMESPACE_OPTION_HELP}

Description:
  Deletes resources identified by files or stdin (JSON or YAML; only kind,
  name and namespace are used, plus resourceVersion when present, which must
  then be current), or by type and names. Valid resource types are:

${RESOURCE_LIST}
  The type is case-insensitive and may be plural or a short name (gnp, hep, ...).

  A resource that does not exist is an error unless --skip-not-exists is given.
  Resources are deleted in order; a failure does not stop the others, and the
  output says how many were deleted.
`;

export const deleteCommand: CommandModule = {
  name: ['delete'],
  usage,
  async run(argv, ctx) {
    const parsed = parseArgs(argv, [...RESOURCE_OPTIONS, { long: 'skip-not-exists', short: 's' }]);
    if (parsed.help) {
      ctx.stdout(usage);
      return 0;
    }
    const sel = selectionFrom(parsed);
    if (sel.filename !== undefined && parsed.positionals.length > 0) throw new UsageError('give either --filename or KIND NAME');
    if (sel.filename === undefined && sel.kind === undefined) throw new UsageError('missing KIND');
    if (sel.filename === undefined && sel.names.length === 0) throw new UsageError('missing NAME');

    const gathered = await gatherResources(sel, ctx);
    if (isResults(gathered)) return reportDelete(gathered, ctx);
    const ds = await connectOrReport(ctx, sel.allowVersionMismatch);
    if (isResults(ds)) return reportDelete(ds, ctx);
    const results = await executeDelete(ds, gathered, {
      namespace: sel.namespace,
      allNamespaces: sel.allNamespaces,
      skipNotExists: optFlag(parsed, 'skip-not-exists'),
    });
    return reportDelete(results, ctx);
  },
};
