/**
 * Validation of Kubernetes NetworkPolicy specs (networking.k8s.io/v1 and the spec embedded in
 * StagedKubernetesNetworkPolicy), with the rules the Kubernetes API server applies, so bad input is
 * refused on write instead of being silently dropped by conversion.
 */
import { ValidationError } from '../../lib/errors.js';
import type { Resource } from '../types.js';
import { cidrContains } from '../net.js';
import { checkCIDR, checkEnum, checkLabels, checkName, isDNSLabel, isQualifiedName } from './common.js';
import { at, fail, isObject, type Errors } from './field-errors.js';
import { checkShape, K8S_NETWORK_POLICY_SPEC, OBJECT_META } from './schema.js';

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
const K8S_PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const IANA_SVC_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;

function checkLabelSelector(sel: unknown, path: string, errs: Errors): void {
  if (!isObject(sel)) return;
  checkLabels(sel['matchLabels'], at(path, 'matchLabels'), errs);
  const exprs = sel['matchExpressions'];
  if (!Array.isArray(exprs)) return;
  exprs.forEach((e, i) => {
    if (!isObject(e)) return;
    const p = at(at(path, 'matchExpressions'), i);
    const key = e['key'];
    if (typeof key !== 'string' || !isQualifiedName(key)) fail(errs, at(p, 'key'), 'key must be a qualified label name', key);
    checkEnum(e['operator'], OPERATORS, at(p, 'operator'), errs);
    if (e['operator'] === undefined) fail(errs, at(p, 'operator'), 'operator is required');
    const values = Array.isArray(e['values']) ? e['values'] : [];
    if ((e['operator'] === 'In' || e['operator'] === 'NotIn') && values.length === 0) {
      fail(errs, at(p, 'values'), 'must be specified when operator is In or NotIn');
    }
    if ((e['operator'] === 'Exists' || e['operator'] === 'DoesNotExist') && values.length > 0) {
      fail(errs, at(p, 'values'), 'may not be specified when operator is Exists or DoesNotExist');
    }
  });
}

function checkPorts(ports: unknown, path: string, errs: Errors): void {
  if (!Array.isArray(ports)) return;
  ports.forEach((port, i) => {
    if (!isObject(port)) return;
    const p = at(path, i);
    checkEnum(port['protocol'], K8S_PROTOCOLS, at(p, 'protocol'), errs);
    const value = port['port'];
    const end = port['endPort'];
    let numeric: number | undefined;
    if (typeof value === 'number') {
      if (value < 1 || value > 65535) fail(errs, at(p, 'port'), 'must be between 1 and 65535, inclusive', value);
      else numeric = value;
    } else if (typeof value === 'string') {
      if (/^[0-9]+$/.test(value)) {
        const n = Number(value);
        if (n < 1 || n > 65535) fail(errs, at(p, 'port'), 'must be between 1 and 65535, inclusive', value);
        else numeric = n;
      } else if (!IANA_SVC_NAME_RE.test(value) || !/[a-z]/.test(value) || value.includes('--')) {
        fail(errs, at(p, 'port'), 'must be a port number or an IANA service name (at most 15 lower case alphanumerics and "-")', value);
      }
    }
    if (end === undefined || end === null) return;
    if (value === undefined || value === null) fail(errs, at(p, 'endPort'), 'may not be specified when port is not specified');
    else if (numeric === undefined) fail(errs, at(p, 'endPort'), 'may not be specified when port is a named port');
    else if (typeof end === 'number' && (end < numeric || end > 65535)) {
      fail(errs, at(p, 'endPort'), 'must be greater than or equal to port and at most 65535', end);
    }
  });
}

function checkPeers(peers: unknown, path: string, errs: Errors): void {
  if (!Array.isArray(peers)) return;
  peers.forEach((peer, i) => {
    if (!isObject(peer)) return;
    const p = at(path, i);
    const hasSelectors = peer['podSelector'] !== undefined || peer['namespaceSelector'] !== undefined;
    const ipBlock = peer['ipBlock'];
    if (!hasSelectors && ipBlock === undefined) fail(errs, p, 'must specify a peer (podSelector, namespaceSelector or ipBlock)');
    if (hasSelectors && ipBlock !== undefined) fail(errs, at(p, 'ipBlock'), 'may not be specified when podSelector or namespaceSelector is');
    checkLabelSelector(peer['podSelector'], at(p, 'podSelector'), errs);
    checkLabelSelector(peer['namespaceSelector'], at(p, 'namespaceSelector'), errs);
    if (!isObject(ipBlock)) return;
    const bp = at(p, 'ipBlock');
    if (ipBlock['cidr'] === undefined) fail(errs, at(bp, 'cidr'), 'cidr is required');
    const cidr = checkCIDR(ipBlock['cidr'], at(bp, 'cidr'), errs);
    const except = ipBlock['except'];
    if (!Array.isArray(except)) return;
    except.forEach((e, j) => {
      const ep = at(at(bp, 'except'), j);
      const c = checkCIDR(e, ep, errs);
      if (c !== undefined && cidr !== undefined && (!cidrContains(cidr, c) || c.prefix <= cidr.prefix)) {
        fail(errs, ep, 'must be a strict subset of cidr', e);
      }
    });
  });
}

/** Rules on a k8s NetworkPolicy spec, pushed as FieldErrors under `spec.`. */
export function checkK8sPolicySpec(spec: Record<string, unknown>, errs: Errors): void {
  checkLabelSelector(spec['podSelector'], 'spec.podSelector', errs);
  const types = spec['policyTypes'];
  if (Array.isArray(types)) {
    if (types.length > 2) fail(errs, 'spec.policyTypes', 'at most 2 policy types allowed', types);
    types.forEach((t, i) => checkEnum(t, ['Ingress', 'Egress'], `spec.policyTypes[${i}]`, errs));
  }
  for (const [dir, peerKey] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    const rules = spec[dir];
    if (!Array.isArray(rules)) continue;
    rules.forEach((r, i) => {
      if (!isObject(r)) return;
      checkPorts(r['ports'], `spec.${dir}[${i}].ports`, errs);
      checkPeers(r[peerKey], `spec.${dir}[${i}].${peerKey}`, errs);
    });
  }
}

/** Throws ValidationError when a networking.k8s.io/v1 NetworkPolicy would be refused by the API server. */
export function validateK8sNetworkPolicy(np: Resource): void {
  const errs: Errors = [];
  const meta: unknown = np.metadata;
  if (!isObject(meta)) {
    fail(errs, 'metadata', 'metadata is required');
  } else {
    checkShape(meta, OBJECT_META, 'metadata', errs);
    checkName(meta['name'], 'metadata.name', errs);
    const ns = meta['namespace'];
    if (typeof ns === 'string' && !isDNSLabel(ns)) fail(errs, 'metadata.namespace', 'namespace must be a DNS label', ns);
    checkLabels(meta['labels'], 'metadata.labels', errs);
  }
  for (const k of Object.keys(np)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(k)) fail(errs, k, `unknown field "${k}"`);
  }
  const spec: unknown = np.spec ?? {};
  checkShape(spec, K8S_NETWORK_POLICY_SPEC, 'spec', errs);
  if (isObject(spec) && errs.length === 0) checkK8sPolicySpec(spec, errs);
  if (errs.length > 0) {
    const name = isObject(meta) && typeof meta['name'] === 'string' ? meta['name'] : '';
    const namespace = isObject(meta) && typeof meta['namespace'] === 'string' ? meta['namespace'] : 'default';
    throw new ValidationError({ kind: 'NetworkPolicy', name, namespace }, errs);
  }
}
