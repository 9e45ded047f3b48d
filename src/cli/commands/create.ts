/** `calicoctl create`: create resources; an existing one is an error unless --skip-exists. */
import type { CommandModule } from '../types.js';
import { CONFIG_OPTION_HELP, fileOptionHelp, NAMESPACE_OPTION_HELP, RESOURCE_LIST } from './_common.js';
import { runWrite } from './_write.js';

const usage = `Usage:
  calicoctl create --filename=<FILENAME> [--recursive] [--skip-empty] [--skip-exists]
                   [--config=<CONFIG>] [--namespace=<NS>] [--context=<context>] [--allow-version-mismatch]

Examples:
  # Create the resources in policy.yaml.
  calicoctl create -f ./policy.yaml

  # Create from JSON on stdin.
  cat policy.json | calicoctl create -f -

Options:
  -h --help                    Show this screen.
${fileOptionHelp('create')}
     --skip-exists             Treat resources that already exist as created (they are
                               left unchanged and counted as successes).
${CONFIG_OPTION_HELP}
${NAMESPACE_OPTION_HELP}

Description:
  Creates resources from files or stdin. JSON and YAML are accepted. Valid
  resource types are:

${RESOURCE_LIST}
  A resource that already exists is an error (nothing is written) unless
  --skip-exists is given. Every resource is validated before any is created;
  they are then created in order, and the output says how many succeeded.
`;

export const createCommand: CommandModule = {
  name: ['create'],
  usage,
  run: (argv, ctx) => runWrite('create', argv, ctx, { usage, extra: [{ long: 'skip-exists' }] }),
};
