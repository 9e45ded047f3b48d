/**
 * `calicoctl policy trace`: explain whether a packet is allowed, tier by tier and rule by rule, or
 * print the verdict for every ordered pair of workload endpoints. Reads everything from the datastore
 * and decides with the same policy model the calculation graph uses (src/policy).
 */
import type { Resource } from '../../api/types.js';
import { CONFIG_OPTIONS, optFlag, optString, parseArgs, UsageError } from '../args.js';
import { buildInfo } from '../build-info.js';
import { checkVersionMismatch } from '../version-check.js';
import type { CliContext, CommandModule } from '../types.js';
import { CONFIG_OPTION_HELP } from './_common.js';
import {
  buildSnapshot,
  evaluate,
  isAddress,
  type DirectionResult,
  type EvaluationResult,
  type Packet,
  type PacketEnd,
  type PolicySnapshot,
  type TraceStep,
} from '../../policy/index.js';

const usage = `Usage:
  calicoctl policy trace --from=<SRC> --to=<DST> [--protocol=<PROTO>] [--port=<PORT>]
                         [--src-port=<PORT>] [--icmp-type=<TYPE>] [--icmp-code=<CODE>]
                         [--namespace=<NS>] [--output=<OUTPUT>]
                         [--config=<CONFIG>] [--context=<context>] [--allow-version-mismatch]
  calicoctl policy trace --matrix [--protocol=<PROTO>] [--port=<PORT>] [--namespace=<NS>]
                         [--output=<OUTPUT>]
                         [--config=<CONFIG>] [--context=<context>] [--allow-version-mismatch]

Examples:
  # Can pod a in namespace x reach pod b in namespace y on TCP port 80?
  calicoctl policy trace --from x/a --to y/b --protocol tcp --port 80

  # From an outside address to a pod.
  calicoctl policy trace --from 192.0.2.7 --to prod/web-0 --port 443

  # Verdict for every pair of pods in namespace prod, as JSON.
  calicoctl policy trace --matrix --port 80 -n prod -o json

Options:
  -h --help                    Show this screen.
     --from=<SRC>              Source: <namespace>/<pod or WorkloadEndpoint name>, an IP address,
                               or hep:<HostEndpoint name>. A bare pod name uses --namespace.
     --to=<DST>                Destination, in the same forms as --from.
  -p --protocol=<PROTO>        TCP, UDP, SCTP, ICMP, ICMPv6, UDPLite or a number. [default: tcp]
     --port=<PORT>             Destination port (needed for TCP, UDP and SCTP).
     --src-port=<PORT>         Source port. [default: 40000]
     --icmp-type=<TYPE>        ICMP type, for ICMP probes. [default: 8]
     --icmp-code=<CODE>        ICMP code, for ICMP probes. [default: 0]
     --matrix                  Trace every ordered pair of workload endpoints.
  -n --namespace=<NS>          Namespace for bare pod names; with --matrix, only pods in this
                               namespace. [default: default]
  -o --output=<OUTPUT>         Output format: text or json. [default: text]
${CONFIG_OPTION_HELP}

Description:
  Evaluates the egress policy of the source (when it is a Calico endpoint), then the
  ingress policy of the destination, exactly as Felix orders them: tiers with at least one
  applicable policy in order, policies in order, rules in order, then profiles. Staged
  policies are listed but never decide. Traffic that stays inside a pod (to its own
  address) is always allowed. The trace names the tier, policy and rule that decided.
`;

const OPTIONS = [
  ...CONFIG_OPTIONS,
  { long: 'from', value: true },
  { long: 'to', value: true },
  { long: 'protocol', short: 'p', value: true },
  { long: 'port', value: true },
  { long: 'src-port', value: true },
  { long: 'icmp-type', value: true },
  { long: 'icmp-code', value: true },
  { long: 'matrix' },
  { long: 'namespace', short: 'n', value: true },
  { long: 'output', short: 'o', value: true },
];

/** Kinds that decide policy; everything else in the datastore is irrelevant to a trace. */
const TRACE_KINDS = [
  'WorkloadEndpoint',
  'HostEndpoint',
  'Profile',
  'Tier',
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
  'NetworkSet',
  'GlobalNetworkSet',
  'FelixConfiguration',
];

const PORTED_PROTOCOLS = new Set(['tcp', 'udp', 'sctp', '6', '17', '132']);

export const policyTraceCommand: CommandModule = {
  name: ['policy', 'trace'],
  usage,
  async run(argv, ctx) {
    const parsed = parseArgs(argv, OPTIONS);
    if (parsed.help) {
      ctx.stdout(usage);
      return 0;
    }
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
    const matrix = optFlag(parsed, 'matrix');
    const output = optString(parsed, 'output') ?? 'text';
    if (output !== 'text' && output !== 'json') throw new UsageError(`unrecognized output format "${output}": use text or json`);
    const protocol = optString(parsed, 'protocol') ?? 'tcp';
    const portText = optString(parsed, 'port');
    const dstPort = portText === undefined ? undefined : parsePort(portText, '--port');
    if (dstPort === undefined && PORTED_PROTOCOLS.has(protocol.toLowerCase())) {
      throw new UsageError(`--port is required for protocol ${protocol}`);
    }
    const srcPort = parsePort(optString(parsed, 'src-port') ?? '40000', '--src-port');
    const namespaceFlag = optString(parsed, 'namespace');
    const namespace = namespaceFlag ?? 'default';
    const probe: Omit<Packet, 'src' | 'dst'> = { protocol, srcPort };
    if (dstPort !== undefined) probe.dstPort = dstPort;
    if (/^(icmp|icmpv6|1|58)$/i.test(protocol)) {
      probe.icmp = {
        type: parseSmallInt(optString(parsed, 'icmp-type') ?? '8', '--icmp-type'),
        code: parseSmallInt(optString(parsed, 'icmp-code') ?? '0', '--icmp-code'),
      };
    }

    let snap: PolicySnapshot;
    try {
      const ds = await ctx.datastore();
      if (!optFlag(parsed, 'allow-version-mismatch')) await checkVersionMismatch(ds, (await buildInfo()).version);
      const resources: Resource[] = [];
      for (const kind of TRACE_KINDS) resources.push(...(await ds.list({ kind })).items);
      snap = buildSnapshot(resources);
    } catch (err) {
      ctx.stderr(`Failed to read the policy state: ${(err as Error).message.trimEnd()}\n`);
      return 1;
    }

    if (matrix) {
      if (optString(parsed, 'from') !== undefined || optString(parsed, 'to') !== undefined) {
        throw new UsageError('--matrix traces every pair: do not give --from or --to');
      }
      return runMatrix(ctx, snap, probe, namespaceFlag, output);
    }
    const from = optString(parsed, 'from');
    const to = optString(parsed, 'to');
    if (from === undefined || to === undefined) throw new UsageError('give --from and --to, or --matrix');
    let result: EvaluationResult;
    const packet: Packet = { ...probe, src: packetEnd(from, namespace), dst: packetEnd(to, namespace) };
    try {
      result = evaluate(snap, packet);
    } catch (err) {
      ctx.stderr(`${(err as Error).message}\n`);
      return 1;
    }
    if (output === 'json') {
      ctx.stdout(`${JSON.stringify({ from, to, ...packetSummary(packet), ...result }, null, 2)}\n`);
    } else {
      ctx.stdout(formatTrace(from, to, packet, result));
    }
    return 0;
  },
};

function parsePort(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new UsageError(`${flag} must be a port number 1-65535, not "${text}"`);
  return n;
}

function parseSmallInt(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 255) throw new UsageError(`${flag} must be a number 0-255, not "${text}"`);
  return n;
}

/** `ns/pod` → workload, an address → ip, `hep:name` → host endpoint, bare name → workload in `namespace`. */
export function packetEnd(text: string, namespace: string): PacketEnd {
  if (isAddress(text)) return { ip: text };
  if (text.startsWith('hep:')) return { hostEndpoint: text.slice(4) };
  return { workload: text.includes('/') ? text : `${namespace}/${text}` };
}

function packetSummary(p: Packet): Record<string, unknown> {
  const out: Record<string, unknown> = { protocol: String(p.protocol).toUpperCase() };
  if (p.dstPort !== undefined) out['port'] = p.dstPort;
  return out;
}

function runMatrix(
  ctx: CliContext,
  snap: PolicySnapshot,
  probe: Omit<Packet, 'src' | 'dst'>,
  namespace: string | undefined,
  output: string,
): number {
  const endpoints = snap.workloadEndpoints
    .filter((w) => namespace === undefined || w.namespace === namespace)
    .map((w) => w.display)
    .sort();
  const table: Record<string, boolean> = {};
  for (const from of endpoints) {
    for (const to of endpoints) {
      try {
        table[`${from}->${to}`] = evaluate(snap, { ...probe, src: { workload: from }, dst: { workload: to } }).allowed;
      } catch (err) {
        ctx.stderr(`${from} -> ${to}: ${(err as Error).message}\n`);
        return 1;
      }
    }
  }
  if (output === 'json') {
    ctx.stdout(`${JSON.stringify(table, null, 2)}\n`);
    return 0;
  }
  if (endpoints.length === 0) {
    ctx.stdout(`No workload endpoints found${namespace === undefined ? '' : ` in namespace ${namespace}`}\n`);
    return 0;
  }
  const width = Math.max(9, ...endpoints.map((e) => e.length)) + 2;
  const lines = [`${'FROM \\ TO'.padEnd(width)}${endpoints.map((e) => e.padEnd(width)).join('')}`.trimEnd()];
  for (const from of endpoints) {
    lines.push(`${from.padEnd(width)}${endpoints.map((to) => (table[`${from}->${to}`] ? '.' : 'X').padEnd(width)).join('')}`.trimEnd());
  }
  const port = probe.dstPort === undefined ? '' : ` port ${probe.dstPort}`;
  ctx.stdout(`${String(probe.protocol).toUpperCase()}${port}: "." allowed, "X" denied\n${lines.join('\n')}\n`);
  return 0;
}

/** The human trace: packet line, egress section, ingress section, verdict. */
export function formatTrace(from: string, to: string, packet: Packet, r: EvaluationResult): string {
  const port = packet.dstPort === undefined ? '' : ` port ${packet.dstPort}`;
  const out: string[] = [`Packet: ${from} (${r.srcIP}) -> ${to} (${r.dstIP}) ${String(packet.protocol).toUpperCase()}${port}`];
  for (const s of r.steps.filter((x) => x.direction === undefined)) out.push('', s.message);
  for (const dir of ['egress', 'ingress'] as const) {
    const steps = r.steps.filter((s) => s.direction === dir);
    if (steps.length === 0) continue;
    const head = steps.find((s) => s.kind === 'endpoint');
    const title = head ? head.message : dir;
    out.push('', `${title[0]!.toUpperCase()}${title.slice(1)}:`);
    for (const s of steps) if (s !== head) out.push(`${indentFor(s)}${s.message}`);
    const side = dir === 'egress' ? r.egress : r.ingress;
    if (side) out.push(`  => ${side.allowed ? 'ALLOWED' : 'DENIED'} (${decidedBy(side)})`);
  }
  out.push('', `Verdict: ${r.allowed ? 'ALLOWED' : 'DENIED'}${verdictReason(r)}`);
  return `${out.join('\n')}\n`;
}

function indentFor(s: TraceStep): string {
  switch (s.kind) {
    case 'rule':
    case 'rule-skipped':
    case 'policy-no-match':
    case 'staged':
      return '    ';
    default:
      return '  ';
  }
}

function decidedBy(d: DirectionResult): string {
  const s = d.decidedBy;
  if (s.kind === 'rule') {
    const where = s.policy ? `tier ${s.tier}, policy ${s.policy}` : `profile ${s.profile}`;
    return `${where}, ${s.direction} rule ${s.ruleIndex} (${s.action})`;
  }
  return s.message;
}

function verdictReason(r: EvaluationResult): string {
  if (r.egress && !r.egress.allowed) return ` by egress of ${r.egress.endpoint}: ${decidedBy(r.egress)}`;
  if (r.ingress) return ` by ingress of ${r.ingress.endpoint}: ${decidedBy(r.ingress)}`;
  if (r.egress) return ` by egress of ${r.egress.endpoint}: ${decidedBy(r.egress)}`;
  const step = r.steps[r.steps.length - 1];
  return step ? `: ${step.message}` : '';
}
