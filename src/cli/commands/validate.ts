/** `calicoctl validate -f`: parse, convert and validate resources offline, writing nothing. */
import { kindInfo } from '../../api/index.js';
import { FILE_OPTIONS, optFlag, optString, parseArgs, UsageError } from '../args.js';
import { emptyResults, gatherResources, isResults, prepareOne, singleKindOf } from '../executor.js';
import { reportValidate } from '../results.js';
import type { CommandModule } from '../types.js';
import { fileOptionHelp, RESOURCE_LIST } from './_common.js';

const usage = `Usage:
  calicoctl validate --filename=<FILENAME> [--recursive] [--skip-empty] [--allow-version-mismatch]

Examples:
  # Validate the resources in policy.yaml.
  calicoctl validate -f ./policy.yaml

  # Validate JSON from stdin.
  cat policy.json | calicoctl validate -f -

Options:
  -h --help                    Show this screen.
${fileOptionHelp('validate')}
     --allow-version-mismatch  Accepted for symmetry; validate never contacts the datastore.

Description:
  Checks resources from files or stdin without applying them and without
  connecting to any datastore: syntax, structure, defaults and field rules.
  Rules that depend on what is stored (overlapping pools, a policy's tier
  existing) are checked by create, apply and replace. Valid resource types are:

${RESOURCE_LIST}
  The output says how many resources are valid and why the others are not.
`;

export const validateCommand: CommandModule = {
  name: ['validate'],
  usage,
  async run(argv, ctx) {
    const parsed = parseArgs(argv, [...FILE_OPTIONS, { long: 'allow-version-mismatch' }]);
    if (parsed.help) {
      ctx.stdout(usage);
      return 0;
    }
    const filename = optString(parsed, 'filename');
    if (filename === undefined || parsed.positionals.length > 0) throw new UsageError('need --filename');
    const gathered = await gatherResources(
      {
        filename,
        recursive: optFlag(parsed, 'recursive'),
        skipEmpty: optFlag(parsed, 'skip-empty'),
        names: [],
        namespace: '',
        allNamespaces: false,
        allowVersionMismatch: true,
      },
      ctx,
    );
    if (isResults(gathered)) return reportValidate(gathered, ctx);
    const results = emptyResults({ numResources: gathered.resources.length, singleKind: singleKindOf(gathered) });
    for (const raw of gathered.resources) {
      try {
        // IPAM's internal kinds are not user resources; calicoctl does not know them either.
        if (kindInfo(raw.kind)?.internal) throw new Error(`Unknown resource type (${raw.kind}) and/or version (${raw.apiVersion})`);
        prepareOne(raw, { namespace: '', allNamespaces: false });
        results.numHandled++;
      } catch (err) {
        results.resErrs.push(err as Error);
      }
    }
    return reportValidate(results, ctx);
  },
};
