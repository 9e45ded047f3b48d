/** `calicoctl replace`: replace existing resources; a missing one is an error. */
import type { CommandModule } from '../types.js';
import { CONFIG_OPTION_HELP, fileOptionHelp, NAMESPACE_OPTION_HELP, RESOURCE_LIST } from './_common.js';
import { runWrite } from './_write.js';

const usage = `Usage:
  calicoctl replace --filename=<FILENAME> [--recursive] [--skip-empty]
                    [--config=<CONFIG>] [--namespace=<NS>] [--context=<context>] [--allow-version-mismatch]

Examples:
  # Replace the policy defined in policy.yaml.
  calicoctl replace -f ./policy.yaml

  # Replace from JSON on stdin.
  cat policy.json | calicoctl replace -f -

Options:
  -h --help                    Show this screen.
${fileOptionHelp('replace')}
${CONFIG_OPTION_HELP}
${NAMESPACE_OPTION_HELP}

Description:
  Replaces existing resources with the ones given (the complete resource, not
  just the changed fields). JSON and YAML are accepted. Valid resource types are:

${RESOURCE_LIST}
  A resource that does not exist is an error and nothing is written. If the
  manifest carries a metadata.resourceVersion it must be the current one.
`;

export const replaceCommand: CommandModule = {
  name: ['replace'],
  usage,
  run: (argv, ctx) => runWrite('replace', argv, ctx, { usage }),
};
