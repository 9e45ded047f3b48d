/**
 * `calicoctl ipam release`: frees one address (`--ip`), or every leak common to one or more
 * `ipam check` reports (`--from-report`, repeatable), with the report's sequence numbers so an
 * address re-allocated since the report is left alone.
 */
import { readFile } from 'node:fs/promises';
import type { ClusterInformation } from '../../../api/types.js';
import { buildInfo } from '../../build-info.js';
import { CONFIG_OPTIONS, optFlag, optString, parseArgs, UsageError } from '../../args.js';
import type { CliContext, CommandModule } from '../../types.js';
import { formatIP, tryParseIP } from '../../../ipam/ip.js';
import { IPAMClient } from '../../../ipam/ipam-client.js';
import { isConflict, isNotFound } from '../../../ipam/store.js';
import type { ReleaseOptions } from '../../../ipam/types.js';
import type { CheckReport, ReportHandle } from './_report.js';

const usage = `Usage:
  calicoctl ipam release [--ip=<IP>] [--from-report=<REPORT>]... [--config=<CONFIG>] [--force] [--allow-version-mismatch]

Options:
  -h --help                    Show this screen.
     --ip=<IP>                 IP address to release.
     --from-report=<REPORT>    Release all leaked addresses from the report.  If multiple reports are specified then
                               only leaked IPs common to all reports will be released.
     --force                   Force release of leaked addresses.
  -c --config=<CONFIG>         Path to the file containing connection configuration in
                               YAML or JSON format.
                               [default: /etc/calico/calicoctl.cfg]
     --allow-version-mismatch  Allow client and cluster versions mismatch.

Description:
  The ipam release command releases an IP address from the Calico IP Address
  Manager that was previously assigned to an endpoint.  When an IP address
  is released, it becomes available for assignment to any endpoint.

  Note that this does not remove the IP from any existing endpoints that may be
  using it, so only use this command to clean up addresses from endpoints that
  were not cleanly removed from Calico.
`;

/** Leaks present in every report; handles only when their revision did not change between reports. */
function mergeReports(reports: CheckReport[]): { ips: Map<string, ReleaseOptions>; handles: Map<string, ReportHandle> } {
  let ips: Map<string, ReleaseOptions> | undefined;
  let handles: Map<string, ReportHandle> | undefined;
  for (const r of reports) {
    const nextIPs = new Map<string, ReleaseOptions>();
    for (const allocs of Object.values(r.allocations ?? {})) {
      for (const a of allocs) {
        if (a.inUse || (ips && !ips.has(a.ip))) continue;
        nextIPs.set(a.ip, { ip: a.ip, handleId: a.handle || undefined, sequenceNumber: a.sequenceNumber });
      }
    }
    ips = nextIPs;
    const nextHandles = new Map<string, ReportHandle>();
    for (const h of r.leakedHandles ?? []) {
      const prev = handles?.get(h.ID);
      if (!handles || (prev && prev.Revision === h.Revision)) nextHandles.set(h.ID, h);
    }
    handles = nextHandles;
  }
  return { ips: ips ?? new Map(), handles: handles ?? new Map() };
}

async function releaseFromReports(ctx: CliContext, ipam: IPAMClient, files: string[], force: boolean): Promise<number> {
  const fail = (msg: string): number => {
    ctx.stderr(`${msg}\n`);
    return 1;
  };
  let info: ClusterInformation | undefined;
  try {
    info = await ipam.store.ds.get<ClusterInformation>({ kind: 'ClusterInformation', name: 'default' });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const version = (await buildInfo()).version;
  const reports: CheckReport[] = [];
  let foundCurrent = false;
  for (const file of files) {
    let r: CheckReport;
    try {
      r = JSON.parse(await readFile(file, 'utf8')) as CheckReport;
    } catch (err) {
      return fail(`Cannot read report "${file}": ${err instanceof Error ? err.message : String(err)}`);
    }
    // Never overridable: a report from another cluster would release live addresses.
    if ((info?.spec?.clusterGUID ?? '') !== r.clusterGUID) {
      return fail(`cluster does not match the provided report (${file}): mismatched cluster GUID. Refusing to release`);
    }
    if (r.version !== version) {
      if (!force) return fail(`the provided report (${file}) was produced using a different version (${r.version}) of calicoctl. Refusing to release`);
      ctx.stdout('WARNING: Report was produced using a different version of calicoctl. Ignoring due to --force option\n');
    }
    if ((info?.metadata.resourceVersion ?? '') === r.clusterInformationRevision) foundCurrent = true;
    reports.push(r);
  }
  if (!foundCurrent) {
    return fail('the provided reports are all stale - at least one should be up-to-date. Please generate a new report while the data store is locked and try again');
  }
  if (info?.spec?.datastoreReady !== false) {
    if (!force) return fail('data store is not locked. Either lock the data store, or re-run with --force');
    ctx.stdout('WARNING: Data store is not locked. Ignoring due to --force option\n');
  }
  const { ips, handles } = mergeReports(reports);
  if (ips.size > 0) {
    ctx.stdout(`Releasing ${ips.size} old IPs...\n`);
    try {
      const r = await ipam.releaseIPs([...ips.values()]);
      ctx.stdout(`Released ${r.released.length} IPs successfully\n`);
      const skipped = r.notAllocated.length + r.mismatched.length;
      if (skipped > 0) ctx.stdout(`${skipped} addresses marked as leaked in the report had already been cleaned up.\n`);
    } catch (err) {
      ctx.stdout(`An error occurred while releasing some IPs: ${err instanceof Error ? err.message : String(err)}.  Problems are often caused by an out-of-date IPAM report.  Try regenerating the IPAM report and retry.\n`);
    }
  } else {
    ctx.stdout("Report didn't contain any leaked IPs to clean up.\n");
  }
  if (handles.size > 0) {
    ctx.stdout(`Deleting ${handles.size} handles...\n`);
    ctx.stdout("Key: '.' = Deleted OK; 'x' = skip, handle missing/changed.\n");
    let ok = 0;
    let skipped = 0;
    let errors = 0;
    let marks = '';
    for (const h of handles.values()) {
      const current = await ipam.store.getHandle(h.ID);
      if (!current || current.metadata.resourceVersion !== h.Revision || (h.UID !== null && current.metadata.uid !== h.UID)) {
        skipped++;
        marks += 'x';
        continue;
      }
      try {
        await ipam.store.deleteHandle(current);
        ok++;
        marks += '.';
      } catch (err) {
        if (isConflict(err) || isNotFound(err)) {
          skipped++;
          marks += 'x';
        } else {
          errors++;
          marks += `\nDeleting handle ${h.ID} failed: ${err instanceof Error ? err.message : String(err)}.\n`;
        }
      }
    }
    ctx.stdout(`${marks}\nReleased ${ok} handles; ${skipped} skipped; ${errors} errors.\n`);
  } else {
    ctx.stdout("Report didn't contain any handles to clean up.\n");
  }
  ctx.stdout('You may now unlock the data store.\n');
  return 0;
}

export const releaseCommand: CommandModule = {
  name: ['ipam', 'release'],
  usage,
  async run(argv, ctx) {
    // --from-report may repeat; the shared parser keeps one value per option, so collect them first.
    const reports: string[] = [];
    const rest: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a.startsWith('--from-report=')) reports.push(a.slice('--from-report='.length));
      else if (a === '--from-report') {
        const v = argv[++i];
        if (v === undefined) throw new UsageError('option --from-report needs a value');
        reports.push(v);
      } else rest.push(a);
    }
    const args = parseArgs(rest, [...CONFIG_OPTIONS, { long: 'ip', value: true }, { long: 'force' }]);
    if (args.help) {
      ctx.stdout(usage);
      return 0;
    }
    const ipam = new IPAMClient(await ctx.datastore());
    if (reports.length > 0) return releaseFromReports(ctx, ipam, reports, optFlag(args, 'force'));
    const ipText = optString(args, 'ip');
    if (ipText === undefined) throw new UsageError('one of --ip or --from-report is required');
    const ip = tryParseIP(ipText);
    if (!ip) {
      ctx.stderr(`invalid IP address specified: ${ipText}\n`);
      return 1;
    }
    const canonical = formatIP(ip);
    const r = await ipam.releaseIPs([{ ip: canonical }]);
    if (r.released.length === 0) {
      ctx.stderr(`IP address ${canonical} is not assigned\n`);
      return 1;
    }
    ctx.stdout(`Successfully released IP address ${canonical}\n`);
    return 0;
  },
};
