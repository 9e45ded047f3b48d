/** `calicoctl version`: this client's version, then the cluster's from ClusterInformation `default`. */
import { optFlag, parseArgs, UsageError } from '../args.js';
import { buildInfo } from '../build-info.js';
import { fail } from '../results.js';
import type { CommandModule } from '../types.js';
import { CONFIG_OPTION_HELP } from './_common.js';

const usage = `Usage:
  calicoctl version [--client] [--config=<CONFIG>] [--allow-version-mismatch]

Options:
  -h --help                    Show this screen.
     --client                  Show only the client's version; do not contact the datastore.
${CONFIG_OPTION_HELP}

Description:
  Displays the version of calicoctl and, from the datastore's ClusterInformation,
  the version and type of the cluster.
`;

// Go's Println("Client Version:   ", v) puts one more space between label and value.
const LABEL_WIDTH = 19;
function line(label: string, value: string): string {
  return `${label.padEnd(LABEL_WIDTH)}${value}\n`;
}

export const versionCommand: CommandModule = {
  name: ['version'],
  usage,
  async run(argv, ctx) {
    const parsed = parseArgs(argv, [
      { long: 'client' },
      { long: 'config', short: 'c', value: true },
      { long: 'context', value: true },
      { long: 'allow-version-mismatch' },
      { long: 'poll', value: true },
    ]);
    if (parsed.help) {
      ctx.stdout(usage);
      return 0;
    }
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
    const info = await buildInfo();
    ctx.stdout(line('Client Version:', info.version));
    ctx.stdout(line('Git commit:', info.gitCommit));
    if (optFlag(parsed, 'client')) return 0;

    let spec: Record<string, unknown>;
    try {
      const ds = await ctx.datastore();
      const ci = await ds.get({ kind: 'ClusterInformation', name: 'default' });
      spec = (ci.spec ?? {}) as Record<string, unknown>;
    } catch (err) {
      return fail(ctx, `Unable to retrieve Cluster Version or Type: ${(err as Error).message}`);
    }
    const version = typeof spec['calicoVersion'] === 'string' && spec['calicoVersion'] !== '' ? spec['calicoVersion'] : 'unknown';
    const type = typeof spec['clusterType'] === 'string' && spec['clusterType'] !== '' ? spec['clusterType'] : 'unknown';
    ctx.stdout(line('Cluster Version:', version));
    ctx.stdout(line('Cluster Type:', type));
    return 0;
  },
};
