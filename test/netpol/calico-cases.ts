/**
 * Calico-only behaviour as truth tables: tiers, Pass and tier default actions, GlobalNetworkPolicy
 * namespaceSelector, order, network sets, Log, staged policies, notSelector/notPorts, named ports,
 * service accounts. Expected tables follow the semantics reference (section 3).
 */
import type { Resource } from '../../src/api/types.js';
import { calico, knp, type NetpolCase } from './_build.js';
import { Reachability, type PodInfo, type Protocol } from './model.js';

/** The Calico cases, for the given topology. */
export function calicoCases(pods: PodInfo[]): NetpolCase[] {
  const cases: NetpolCase[] = [];
  const R = (initial = true): Reachability => new Reachability(pods, initial);
  const own = (name: string, protocol: Protocol, port: number, policies: Resource[], r: Reachability): void => {
    cases.push({ name: `calico: ${name}`, upstream: false, policies, protocol, port, expected: r.table() });
  };
  const ipOf = (id: string): string => pods.find((p) => p.id === id)!.ip;
  const tier = (name: string, order: number | undefined, defaultAction?: 'Deny' | 'Pass'): Resource =>
    calico('Tier', name, { ...(order === undefined ? {} : { order }), ...(defaultAction ? { defaultAction } : {}) });

  own(
    'tier with Pass and Deny: GNP in tier security denies ingress from namespace z, passes the rest',
    'TCP',
    80,
    [
      tier('security', 100),
      calico('GlobalNetworkPolicy', 'security.block-z', {
        tier: 'security',
        selector: 'all()',
        types: ['Ingress'],
        ingress: [
          { action: 'Deny', source: { namespaceSelector: "ns == 'z'" } },
          { action: 'Pass' },
        ],
      }),
    ],
    R().expectPeer({ namespace: 'z' }, {}, false),
  );

  own(
    'tier defaultAction Pass: unmatched traffic falls through to the namespace profile',
    'TCP',
    80,
    [
      tier('platform', 50, 'Pass'),
      calico('GlobalNetworkPolicy', 'platform.x-a-from-y', {
        tier: 'platform',
        selector: "pod == 'a' && projectcalico.org/namespace == 'x'",
        ingress: [{ action: 'Allow', source: { namespaceSelector: "ns == 'y'" } }],
      }),
    ],
    R(),
  );

  own(
    'tier defaultAction Deny: end-of-tier drop for a selected endpoint',
    'TCP',
    80,
    [
      tier('platform', 50, 'Deny'),
      calico('GlobalNetworkPolicy', 'platform.x-a-from-y', {
        tier: 'platform',
        selector: "pod == 'a' && projectcalico.org/namespace == 'x'",
        ingress: [{ action: 'Allow', source: { namespaceSelector: "ns == 'y'" } }],
      }),
    ],
    R().expectAllIngress('x/a', false).expectPeer({ namespace: 'y' }, { namespace: 'x', pod: 'a' }, true),
  );

  own(
    'Pass skips to the default tier, where a k8s default-deny applies',
    'TCP',
    80,
    [
      tier('security', 100),
      calico('GlobalNetworkPolicy', 'security.pass-all', { tier: 'security', selector: 'all()', ingress: [{ action: 'Pass' }] }),
      knp('deny-ingress', 'x', { podSelector: {}, ingress: [] }),
    ],
    R().expectPeer({}, { namespace: 'x' }, false),
  );

  own(
    'tier with only staged policies has no end-of-tier drop',
    'TCP',
    80,
    [
      tier('audit', 10),
      calico('StagedGlobalNetworkPolicy', 'audit.deny-everything', { tier: 'audit', selector: 'all()', types: ['Ingress', 'Egress'] }),
    ],
    R(),
  );

  own(
    'StagedNetworkPolicy is never enforced',
    'TCP',
    80,
    [calico('StagedNetworkPolicy', 'deny-all', { selector: 'all()', types: ['Ingress', 'Egress'] }, 'x')],
    R(),
  );

  own(
    'GlobalNetworkPolicy with namespaceSelector selects pods a in x and y',
    'TCP',
    80,
    [
      calico('GlobalNetworkPolicy', 'isolate-a', {
        selector: "pod == 'a'",
        namespaceSelector: "ns in {'x', 'y'}",
        types: ['Ingress'],
      }),
    ],
    R().expectAllIngress('x/a', false).expectAllIngress('y/a', false),
  );

  own(
    'Deny before Allow by order within a namespace',
    'TCP',
    80,
    [
      calico('NetworkPolicy', 'deny-from-b', { order: 10, selector: 'all()', ingress: [{ action: 'Deny', source: { selector: "pod == 'b'" } }] }, 'x'),
      calico('NetworkPolicy', 'allow-all', { order: 20, selector: 'all()', ingress: [{ action: 'Allow' }] }, 'x'),
    ],
    R().expectPeer({ namespace: 'x', pod: 'b' }, { namespace: 'x' }, false),
  );

  own(
    'order beats name: GNP order 50 Deny from y runs before GNP order 100 Allow for pods c',
    'TCP',
    80,
    [
      calico('GlobalNetworkPolicy', 'a-allow-c', { order: 100, selector: "pod == 'c'", ingress: [{ action: 'Allow' }] }),
      calico('GlobalNetworkPolicy', 'z-deny-y', { order: 50, selector: "pod == 'c'", ingress: [{ action: 'Deny', source: { namespaceSelector: "ns == 'y'" } }] }),
    ],
    R().expectPeer({ namespace: 'y' }, { pod: 'c' }, false),
  );

  own(
    'GlobalNetworkSet matched from a namespaced policy through namespaceSelector global()',
    'TCP',
    80,
    [
      calico('GlobalNetworkSet', 'trusted', { nets: [`${ipOf('y/a')}/32`, `${ipOf('z/b')}/32`] }, undefined, { role: 'trusted' }),
      calico('NetworkPolicy', 'allow-trusted', {
        selector: 'all()',
        ingress: [{ action: 'Allow', source: { selector: "role == 'trusted'", namespaceSelector: 'global()' } }],
      }, 'x'),
    ],
    R().expectPeer({}, { namespace: 'x' }, false).expect('y/a', 'x/a', true).expect('y/a', 'x/b', true).expect('y/a', 'x/c', true)
      .expect('z/b', 'x/a', true).expect('z/b', 'x/b', true).expect('z/b', 'x/c', true),
  );

  own(
    'namespaced NetworkSet in x matched by a policy in x',
    'TCP',
    80,
    [
      calico('NetworkSet', 'blessed', { nets: [`${ipOf('z/c')}/32`] }, 'x', { set: 'blessed' }),
      calico('NetworkPolicy', 'allow-blessed', { selector: 'all()', ingress: [{ action: 'Allow', source: { selector: "set == 'blessed'" } }] }, 'x'),
    ],
    R().expectPeer({}, { namespace: 'x' }, false).expectPeer({ namespace: 'z', pod: 'c' }, { namespace: 'x' }, true),
  );

  own(
    'Log is not terminal: the next rule decides',
    'TCP',
    80,
    [
      calico('NetworkPolicy', 'log-then-allow-y', {
        selector: "pod == 'a'",
        ingress: [{ action: 'Log' }, { action: 'Allow', source: { namespaceSelector: "ns == 'y'" } }],
      }, 'x'),
    ],
    R().expectAllIngress('x/a', false).expectPeer({ namespace: 'y' }, { namespace: 'x', pod: 'a' }, true),
  );

  own(
    'global notSelector rule: allow from anything but pods a into namespace z',
    'TCP',
    80,
    [
      calico('GlobalNetworkPolicy', 'z-not-from-a', {
        namespaceSelector: "ns == 'z'",
        ingress: [{ action: 'Allow', source: { notSelector: "pod == 'a'" } }],
      }),
    ],
    R().expectPeer({ pod: 'a' }, { namespace: 'z' }, false),
  );

  const notPorts = calico('GlobalNetworkPolicy', 'x-egress-only-80', {
    namespaceSelector: "ns == 'x'",
    types: ['Egress'],
    egress: [{ action: 'Deny', protocol: 'TCP', destination: { notPorts: [80] } }, { action: 'Allow' }],
  });
  own('notPorts Deny lets port 80 through', 'TCP', 80, [notPorts], R());
  own('notPorts Deny blocks port 81', 'TCP', 81, [notPorts], R().expectPeer({ namespace: 'x' }, {}, false));

  const namedPort = calico('NetworkPolicy', 'y-named-81', {
    selector: 'all()',
    ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: ['serve-81-tcp'] } }],
  }, 'y');
  own('Calico named port allows 81', 'TCP', 81, [namedPort], R());
  own('Calico named port denies 80', 'TCP', 80, [namedPort], R().expectPeer({}, { namespace: 'y' }, false));

  own(
    'ipBlock except on ingress: everything in the cluster block but namespace y',
    'TCP',
    80,
    [
      knp('from-block-but-y', 'x', {
        podSelector: {},
        ingress: [{ from: [{ ipBlock: { cidr: `${ipOf('x/a').split('.')[0]}.0.0.0/8`, except: pods.filter((p) => p.namespace === 'y').map((p) => `${p.ip}/32`) } }] }],
      }),
    ],
    R().expectPeer({ namespace: 'y' }, { namespace: 'x' }, false),
  );

  own(
    'serviceAccounts.names scoped to the policy namespace',
    'TCP',
    80,
    [calico('NetworkPolicy', 'from-default-sa', { selector: 'all()', ingress: [{ action: 'Allow', source: { serviceAccounts: { names: ['default'] } } }] }, 'x')],
    R().expectPeer({ namespace: 'y' }, { namespace: 'x' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x' }, false),
  );
  return cases;
}
