/** `calicoctl ipam configure`: set strictAffinity / maxBlocksPerHost in IPAMConfiguration `default`. */
import { CONFIG_OPTIONS, optString, parseArgs } from '../../args.js';
import type { CommandModule } from '../../types.js';
import { IPAMClient } from '../../../ipam/ipam-client.js';
import type { IPAMConfig } from '../../../ipam/types.js';

const usage = `Usage:
  calicoctl ipam configure [--strictaffinity=<true/false>] [--max-blocks-per-host=<number>] [--config=<CONFIG>] [--allow-version-mismatch]

Options:
  -h --help                        Show this screen.
     --strictaffinity=<true/false>  Set StrictAffinity to true/false. When StrictAffinity
                                    is true, borrowing IP addresses is not allowed.
     --max-blocks-per-host=<number> Set the maximum number of blocks that can be affine to a host.
  -c --config=<CONFIG>              Path to the file containing connection configuration in
                                    YAML or JSON format.
                                    [default: /etc/calico/calicoctl.cfg]
     --allow-version-mismatch       Allow client and cluster versions mismatch.

Description:
 Modify configuration for Calico IP address management.
`;

/** Go's strconv.ParseBool. */
function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

export const configureCommand: CommandModule = {
  name: ['ipam', 'configure'],
  usage,
  async run(argv, ctx) {
    const args = parseArgs(argv, [...CONFIG_OPTIONS, { long: 'strictaffinity', value: true }, { long: 'max-blocks-per-host', value: true }]);
    if (args.help) {
      ctx.stdout(usage);
      return 0;
    }
    const change: Partial<IPAMConfig> = {};
    const sa = optString(args, 'strictaffinity');
    if (sa !== undefined && sa !== '') {
      const b = parseBool(sa);
      if (b === undefined) {
        ctx.stderr('invalid value. Use true or false to set strictaffinity\n');
        return 1;
      }
      change.strictAffinity = b;
    }
    const mb = optString(args, 'max-blocks-per-host');
    if (mb !== undefined && mb !== '') {
      if (!/^[+-]?\d+$/.test(mb) || Math.abs(Number(mb)) > 2 ** 31 - 1) {
        ctx.stderr('invalid value for maxblockhost. Use a valid number\n');
        return 1;
      }
      const n = Number(mb);
      if (n < 0 || n > 1_000_000) {
        ctx.stderr(`error: IPAMConfiguration "default" spec.maxBlocksPerHost must be between 0 and 1000000 (value ${n})\n`);
        return 1;
      }
      change.maxBlocksPerHost = n;
    }
    if (Object.keys(change).length === 0) {
      ctx.stderr('at least one configuration option must be specified\n');
      return 1;
    }
    const ipam = new IPAMClient(await ctx.datastore());
    try {
      await ipam.setIPAMConfig(change);
    } catch (err) {
      ctx.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
    let out = '';
    if (change.strictAffinity !== undefined) out += `Successfully set StrictAffinity to: ${change.strictAffinity}\n`;
    if (change.maxBlocksPerHost !== undefined) out += `Successfully set MaxBlocksPerHost to: ${change.maxBlocksPerHost}\n`;
    ctx.stdout(out);
    return 0;
  },
};
