/** `calicoctl apply`: create each resource, or replace it when it exists. */
import type { CommandModule } from '../types.js';
import { CONFIG_OPTION_HELP, fileOptionHelp, NAMESPACE_OPTION_HELP, RESOURCE_LIST } from './_common.js';
import { runWrite } from './_write.js';

const usage = `Usage:
  calicoctl apply --filename=<FILENAME> [--recursive] [--skip-empty]
                  [--config=<CONFIG>] [--namespace=<NS>] [--context=<context>] [--allow-version-mismatch]

Examples:
  # Apply the resources in pools.yaml.
  calicoctl apply -f ./pools.yaml

  # Apply JSON read from stdin.
  cat policy.json | calicoctl apply -f -

Options:
  -h --help                    Show this screen.
${fileOptionHelp('apply')}
${CONFIG_OPTION_HELP}
${NAMESPACE_OPTION_HELP}

Description:
  Creates each resource that does not exist yet and replaces the ones that do
  (the whole spec is replaced, so give the complete resource). JSON and YAML are
  accepted. Valid resource types are:

${RESOURCE_LIST}
  Every resource is validated before any is written: if one is invalid, none is
  applied. Resources are then applied in order; if one fails, the ones before it
  stay applied and the output says how many that was.
`;

export const applyCommand: CommandModule = {
  name: ['apply'],
  usage,
  run: (argv, ctx) => runWrite('apply', argv, ctx, { usage }),
};
