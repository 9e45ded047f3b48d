/**
 * `calicoctl ipam show`: pool (and block) utilisation, one address's owner, borrowed addresses,
 * or the IPAM configuration.
 */
import { CONFIG_OPTIONS, optFlag, optString, parseArgs } from '../../args.js';
import type { CliContext, CommandModule } from '../../types.js';
import { affinityHost, allocatedOrdinals, attributeFor, blockCIDR, ordinalToIPString } from '../../../ipam/block.js';
import { tryParseIP, formatIP } from '../../../ipam/ip.js';
import { IPAMClient } from '../../../ipam/ipam-client.js';
import { utilization } from '../../../ipam/utilization.js';
import { renderBoxTable, goG5, withPercentage } from './_format.js';

const usage = `Usage:
  calicoctl ipam show [--ip=<IP> | --show-blocks | --show-borrowed | --show-configuration] [--config=<CONFIG>] [--allow-version-mismatch]

Options:
  -h --help                 Show this screen.
     --ip=<IP>              Report whether this specific IP address is in use.
     --show-blocks          Show detailed information for IP blocks as well as pools.
     --show-borrowed        Show detailed information for "borrowed" IP addresses.
     --show-configuration   Show current Calico IPAM configuration.
  -c --config=<CONFIG>      Path to the file containing connection configuration in
                            YAML or JSON format.
                            [default: /etc/calico/calicoctl.cfg]
     --allow-version-mismatch  Allow client and cluster versions mismatch.

Description:
  The ipam show command prints information about a given IP address, or about
  overall IP usage.
`;

async function showIP(ctx: CliContext, ipam: IPAMClient, text: string): Promise<number> {
  const ip = tryParseIP(text);
  if (!ip) {
    ctx.stderr(`invalid IP address specified: ${text}\n`);
    return 1;
  }
  const canonical = formatIP(ip);
  const attr = await ipam.getAssignmentAttributes(canonical);
  if (!attr) {
    ctx.stdout(`${canonical} is not assigned\n`);
    return 0;
  }
  let out = `IP ${canonical} is in use\nHandle ID: ${attr.handleId ?? '<none>'}\n`;
  const keys = Object.keys(attr.attrs).sort();
  if (keys.length === 0) out += 'No Active Owner attributes defined\n';
  else out += `Active Owner Attributes:\n${keys.map((k) => `  ${k}: ${attr.attrs[k]}\n`).join('')}`;
  ctx.stdout(out);
  return 0;
}

async function showBorrowed(ctx: CliContext, ipam: IPAMClient): Promise<number> {
  const rows: string[][] = [];
  let unclassified = 0;
  for (const b of await ipam.store.listBlocks()) {
    const spec = b.spec!;
    const owner = affinityHost(spec.affinity) ?? spec.affinity ?? '';
    const c = blockCIDR(spec);
    for (const o of allocatedOrdinals(spec)) {
      const attrs = attributeFor(spec, o)?.secondary ?? {};
      const node = attrs['node'];
      if (node === undefined) {
        unclassified++;
        continue;
      }
      if (node === owner) continue;
      let type = '';
      let to = '';
      if (attrs['vmi-name'] !== undefined) [type, to] = ['vmi', `${attrs['namespace'] ?? ''}/${attrs['vmi-name']}`];
      else if (attrs['pod'] !== undefined) [type, to] = ['pod', `${attrs['namespace'] ?? ''}/${attrs['pod']}`];
      else if (attrs['type'] !== undefined) type = attrs['type'];
      rows.push([ordinalToIPString(c, o), node, spec.cidr, owner, type, to]);
    }
  }
  let out = renderBoxTable(['IP', 'BORROWING-NODE', 'BLOCK', 'BLOCK OWNER', 'TYPE', 'ALLOCATED-TO'], rows);
  if (unclassified > 0) {
    out += `\nNote: found ${unclassified} IP allocations without an explicit node association. Unable to determine if they are borrowed.\n`;
  }
  ctx.stdout(out);
  return 0;
}

async function showConfiguration(ctx: CliContext, ipam: IPAMClient): Promise<number> {
  const cfg = await ipam.getIPAMConfig();
  ctx.stdout(renderBoxTable(['PROPERTY', 'VALUE'], [
    ['StrictAffinity', String(cfg.strictAffinity)],
    ['AutoAllocateBlocks', String(cfg.autoAllocateBlocks)],
    ['MaxBlocksPerHost', String(cfg.maxBlocksPerHost)],
  ]));
  return 0;
}

async function showUtilization(ctx: CliContext, ipam: IPAMClient, showBlocks: boolean): Promise<number> {
  const [pools, blocks, reserved] = await Promise.all([ipam.store.readPools(), ipam.store.listBlocks(), ipam.store.readReservations()]);
  const row = (kind: string, u: { cidr: string; capacity: number; inUse: number; reserved: number; free: number }): string[] =>
    [kind, u.cidr, goG5(u.capacity), withPercentage(u.inUse, u.capacity), withPercentage(u.reserved, u.capacity), withPercentage(u.free, u.capacity)];
  const rows: string[][] = [];
  for (const p of utilization(pools, blocks, reserved)) {
    // Blocks outside every pool only show as block rows.
    if (p.pool) rows.push(row('IP Pool', p));
    if (showBlocks) rows.push(...p.blocks.map((b) => row('Block', b)));
  }
  ctx.stdout(renderBoxTable(['GROUPING', 'CIDR', 'IPS TOTAL', 'IPS IN USE', 'IPS RESERVED', 'IPS FREE'], rows, { alignRight: [2, 3, 4, 5] }));
  return 0;
}

export const showCommand: CommandModule = {
  name: ['ipam', 'show'],
  usage,
  async run(argv, ctx) {
    const args = parseArgs(argv, [
      ...CONFIG_OPTIONS, { long: 'ip', value: true }, { long: 'show-blocks' }, { long: 'show-borrowed' }, { long: 'show-configuration' },
    ]);
    if (args.help) {
      ctx.stdout(usage);
      return 0;
    }
    const ipam = new IPAMClient(await ctx.datastore());
    const ip = optString(args, 'ip');
    if (ip !== undefined) return showIP(ctx, ipam, ip);
    if (optFlag(args, 'show-borrowed')) return showBorrowed(ctx, ipam);
    if (optFlag(args, 'show-configuration')) return showConfiguration(ctx, ipam);
    return showUtilization(ctx, ipam, optFlag(args, 'show-blocks'));
  },
};
