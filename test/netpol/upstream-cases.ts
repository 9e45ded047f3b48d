/**
 * The Kubernetes upstream NetworkPolicy e2e cases (kubernetes/kubernetes test/e2e/network/netpol/
 * network_policy.go), ported to the full 9-pod x/y/z topology. Multi-step upstream tests (policy
 * updated, labels changed, second policy added) become one case per step, named after the step.
 */
import type { Resource } from '../../src/api/types.js';
import { knp, NS_LABEL, type NetpolCase } from './_build.js';
import { Reachability, type LabelOverrides, type PodInfo, type Protocol } from './model.js';

const podA = { matchLabels: { pod: 'a' } };
const everything = {};

/** The upstream cases, for the given topology (ipBlock cases use the pods' addresses). */
export function upstreamCases(pods: PodInfo[]): NetpolCase[] {
  const R = (initial = true): Reachability => new Reachability(pods, initial);
  const ipOf = (id: string): string => pods.find((p) => p.id === id)!.ip;
  // upstream makeLargeCIDRForIP: a wide block around the pod (here /8 keeps every pod inside it)
  const largeCIDR = (ip: string): string => `${ip.split('.')[0]}.0.0.0/8`;
  const cases: NetpolCase[] = [];
  const up = (name: string, protocol: Protocol, port: number, policies: Resource[], r: Reachability, overrides?: LabelOverrides): void => {
    const c: NetpolCase = { name, upstream: true, policies, protocol, port, expected: r.table() };
    if (overrides) c.overrides = overrides;
    cases.push(c);
  };

  // --- upstream: NetworkPolicy between server and client -----------------------------------------
  const denyIngressX = knp('deny-ingress', 'x', { podSelector: everything, ingress: [] });
  up("should support a 'default-deny-ingress' policy", 'TCP', 80, [denyIngressX], R().expectPeer({}, { namespace: 'x' }, false));

  const denyAllX = knp('deny-all', 'x', { podSelector: everything, ingress: [], egress: [], policyTypes: ['Ingress', 'Egress'] });
  up(
    "should support a 'default-deny-all' policy",
    'TCP',
    80,
    [denyAllX],
    R().expectPeer({}, { namespace: 'x' }, false).expectPeer({ namespace: 'x' }, {}, false),
  );

  up(
    'should enforce policy to allow traffic from pods within server namespace based on PodSelector',
    'TCP',
    80,
    [knp('x-a-allows-x-b', 'x', { podSelector: podA, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })],
    R().expectAllIngress('x/a', false).expect('x/b', 'x/a', true),
  );

  up(
    'should enforce policy to allow ingress traffic for a target',
    'TCP',
    80,
    [
      knp('deny-all', 'x', { podSelector: everything, ingress: [] }),
      knp('allow-all-to-a', 'x', { podSelector: podA, ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] }),
    ],
    R().expectAllIngress('x/a', true).expectPeer({}, { namespace: 'x', pod: 'b' }, false).expectPeer({}, { namespace: 'x', pod: 'c' }, false),
  );

  up(
    'should enforce policy to allow ingress traffic from pods in all namespaces',
    'TCP',
    80,
    [knp('allow-from-another-ns', 'x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: { matchLabels: {} } }] }] })],
    R(),
  );

  const onlyFromY = R()
    .expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false)
    .expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false);
  up(
    'should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector',
    'TCP',
    80,
    [knp('allow-client-a-via-ns-selector', 'x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: 'y' } } }] }] })],
    onlyFromY,
  );

  up(
    'should enforce policy based on PodSelector with MatchExpressions',
    'TCP',
    80,
    [
      knp('x-a-allows-x-b', 'x', {
        podSelector: podA,
        ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b'] }] } }] }],
      }),
    ],
    R().expectAllIngress('x/a', false).expect('x/b', 'x/a', true),
  );

  up(
    'should enforce policy based on NamespaceSelector with MatchExpressions',
    'TCP',
    80,
    [
      knp('allow-ns-y-match-selector', 'x', {
        podSelector: podA,
        ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: NS_LABEL, operator: 'In', values: ['y'] }] } }] }],
      }),
    ],
    onlyFromY,
  );

  const notInX = { matchExpressions: [{ key: NS_LABEL, operator: 'NotIn' as const, values: ['x'] }] };
  up(
    'should enforce policy based on PodSelector or NamespaceSelector',
    'TCP',
    80,
    [
      knp('allow-ns-y-match-selector', 'x', {
        podSelector: podA,
        ingress: [{ from: [{ namespaceSelector: notInX }, { podSelector: { matchLabels: { pod: 'b' } } }] }],
      }),
    ],
    R().expect('x/a', 'x/a', false).expect('x/c', 'x/a', false),
  );

  up(
    'should enforce policy based on PodSelector and NamespaceSelector',
    'TCP',
    80,
    [
      knp('allow-ns-y-podselector-and-nsselector', 'x', {
        podSelector: podA,
        ingress: [{ from: [{ namespaceSelector: notInX, podSelector: { matchLabels: { pod: 'b' } } }] }],
      }),
    ],
    R().expectAllIngress('x/a', false).expect('y/b', 'x/a', true).expect('z/b', 'x/a', true),
  );

  up(
    'should enforce policy based on Multiple PodSelectors and NamespaceSelectors',
    'TCP',
    80,
    [
      knp('allow-ns-y-z-pod-b-c', 'x', {
        podSelector: podA,
        ingress: [
          {
            from: [
              { namespaceSelector: notInX, podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] } },
            ],
          },
        ],
      }),
    ],
    R()
      .expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false)
      .expect('y/a', 'x/a', false)
      .expect('z/a', 'x/a', false),
  );

  up(
    'should enforce policy based on any PodSelectors',
    'TCP',
    80,
    [
      knp('allow-ns-x-pod-b-c', 'x', {
        podSelector: podA,
        ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }, { podSelector: { matchLabels: { pod: 'c' } } }] }],
      }),
    ],
    R().expectAllIngress('x/a', false).expect('x/b', 'x/a', true).expect('x/c', 'x/a', true),
  );

  const yaOnly = knp('allow-ns-y-pod-a-via-namespace-pod-selector', 'x', {
    podSelector: podA,
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: 'y' } }, podSelector: podA }] }],
  });
  const yaOnlyTable = (): Reachability => R().expectAllIngress('x/a', false).expect('y/a', 'x/a', true);
  up(
    'should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
    'TCP',
    80,
    [yaOnly],
    yaOnlyTable(),
  );

  const port81FromY = (protocol: Protocol): Resource =>
    knp('allow-client-a-via-ns-selector', 'x', {
      podSelector: podA,
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: 'y' } } }], ports: [{ port: 81, protocol }] }],
    });
  const allowYTo81 = (): Reachability =>
    R()
      .expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false)
      .expectPeer({ namespace: 'y' }, { namespace: 'x', pod: 'a' }, true)
      .expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false);
  up('should enforce policy based on Ports', 'TCP', 81, [port81FromY('TCP')], allowYTo81());
  up('should enforce multiple, stacked policies with overlapping podSelectors (port 81)', 'TCP', 81, [port81FromY('TCP')], allowYTo81());
  up(
    'should enforce multiple, stacked policies with overlapping podSelectors (port 80 before second policy)',
    'TCP',
    80,
    [port81FromY('TCP')],
    R().expectAllIngress('x/a', false),
  );
  up(
    'should enforce multiple, stacked policies with overlapping podSelectors (port 80 after second policy)',
    'TCP',
    80,
    [
      port81FromY('TCP'),
      knp('allow-client-a-via-ns-selector-80', 'x', {
        podSelector: podA,
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: 'y' } } }], ports: [{ port: 80, protocol: 'TCP' }] }],
      }),
    ],
    allowYTo81(),
  );

  const allowAllX = knp('allow-all', 'x', { podSelector: everything, ingress: [{}] });
  up('should support allow-all policy (port 80)', 'TCP', 80, [allowAllX], R());
  up('should support allow-all policy (port 81)', 'TCP', 81, [allowAllX], R());

  const named81 = knp('allow-all', 'x', { podSelector: everything, ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] });
  up('should allow ingress access on one named port (port 81)', 'TCP', 81, [named81], R());
  up('should allow ingress access on one named port (port 80)', 'TCP', 80, [named81], R().expectPeer({}, { namespace: 'x' }, false));

  const named80FromY = knp('allow-client-a-via-ns-selector-80', 'x', {
    podSelector: podA,
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: 'y' } } }], ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] }],
  });
  up('should allow ingress access from namespace on one named port (port 80)', 'TCP', 80, [named80FromY], onlyFromYClone(R));
  up('should allow ingress access from namespace on one named port (port 81)', 'TCP', 81, [named80FromY], R().expectAllIngress('x/a', false));

  const egressNamed80 = knp('allow-egress', 'x', { podSelector: everything, egress: [{ ports: [{ port: 'serve-80-tcp' }] }], policyTypes: ['Egress'] });
  up('should allow egress access on one named port (port 80)', 'TCP', 80, [egressNamed80], R());
  up('should allow egress access on one named port (port 81)', 'TCP', 81, [egressNamed80], R().expectPeer({ namespace: 'x' }, {}, false));

  up(
    'should enforce updated policy (allow all)',
    'TCP',
    81,
    [knp('allow-all-mutate-to-deny-all', 'x', { podSelector: everything, ingress: [{}] })],
    R(),
  );
  up(
    'should enforce updated policy (mutated to deny all)',
    'TCP',
    81,
    [knp('allow-all-mutate-to-deny-all', 'x', { podSelector: everything, ingress: [] })],
    R().expectPeer({}, { namespace: 'x' }, false),
  );

  const fromNs2Updated = knp('allow-client-a-via-ns-selector', 'x', {
    podSelector: podA,
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns2: 'updated' } } }] }],
  });
  up('should allow ingress access from updated namespace (before)', 'TCP', 80, [fromNs2Updated], R().expectAllIngress('x/a', false));
  up(
    'should allow ingress access from updated namespace (after labelling y)',
    'TCP',
    80,
    [fromNs2Updated],
    R().expectAllIngress('x/a', false).expectPeer({ namespace: 'y' }, {}, true),
    { namespaceLabels: { y: { ns2: 'updated' } } },
  );

  const fromPod2Updated = knp('allow-client-a-via-pod-selector', 'x', {
    podSelector: podA,
    ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b', pod2: 'updated' } } }] }],
  });
  up('should allow ingress access from updated pod (before)', 'TCP', 80, [fromPod2Updated], R().expectAllIngress('x/a', false));
  up(
    'should allow ingress access from updated pod (after labelling x/b)',
    'TCP',
    80,
    [fromPod2Updated],
    R().expectAllIngress('x/a', false).expect('x/b', 'x/a', true),
    { podLabels: { 'x/b': { pod2: 'updated' } } },
  );

  up(
    'should deny ingress from pods on other namespaces',
    'TCP',
    80,
    [knp('deny-empty-policy', 'x', { podSelector: everything, ingress: [{ from: [{ podSelector: { matchLabels: {} } }] }] })],
    R().expectPeer({ namespace: 'y' }, { namespace: 'x' }, false).expectPeer({ namespace: 'z' }, { namespace: 'x' }, false),
  );

  const isolateTarget = knp('deny-ingress-via-label-selector', 'x', { podSelector: { matchLabels: { target: 'isolated' } }, ingress: [] });
  up('should deny ingress access to updated pod (before)', 'TCP', 80, [isolateTarget], R());
  up('should deny ingress access to updated pod (after labelling x/a)', 'TCP', 80, [isolateTarget], R().expectAllIngress('x/a', false), {
    podLabels: { 'x/a': { target: 'isolated' } },
  });

  up(
    'should deny egress from pods based on PodSelector',
    'TCP',
    80,
    [knp('deny-egress-pod-a', 'x', { podSelector: podA, egress: [], policyTypes: ['Egress'] })],
    R().expectAllEgress('x/a', false),
  );
  up(
    'should deny egress from all pods in a namespace',
    'TCP',
    80,
    [knp('deny-egress-ns-x', 'x', { podSelector: everything, egress: [], policyTypes: ['Egress'] })],
    R().expectPeer({ namespace: 'x' }, {}, false),
  );

  const ingressEgressTogether = knp('allow-client-a-via-pod-selector', 'x', {
    podSelector: podA,
    ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }],
    egress: [{ ports: [{ port: 80 }] }],
    policyTypes: ['Egress', 'Ingress'],
  });
  up(
    'should work with Ingress, Egress specified together (port 80)',
    'TCP',
    80,
    [ingressEgressTogether],
    R().expectAllIngress('x/a', false).expect('x/b', 'x/a', true),
  );
  up(
    'should work with Ingress, Egress specified together (port 81)',
    'TCP',
    81,
    [ingressEgressTogether],
    R().expectAllIngress('x/a', false).expectAllEgress('x/a', false).expect('x/b', 'x/a', true),
  );

  const fromXa = { from: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: 'x' } }, podSelector: podA }] };
  up(
    'should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)',
    'TCP',
    80,
    [
      knp('allow-to-ns-y-pod-a', 'x', {
        podSelector: podA,
        egress: [{ to: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: 'y' } }, podSelector: podA }] }],
        policyTypes: ['Egress'],
      }),
      knp('allow-from-xa-on-ya-match-selector', 'y', { podSelector: podA, ingress: [fromXa] }),
      knp('allow-from-xa-on-yb-match-selector', 'y', { podSelector: { matchLabels: { pod: 'b' } }, ingress: [fromXa] }),
    ],
    R()
      .expectPeer({ namespace: 'x', pod: 'a' }, {}, false)
      .expectPeer({}, { namespace: 'y', pod: 'a' }, false)
      .expectPeer({ namespace: 'x', pod: 'a' }, { namespace: 'y', pod: 'a' }, true)
      .expectPeer({}, { namespace: 'y', pod: 'b' }, false),
  );

  up(
    'should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector',
    'TCP',
    80,
    [
      knp('allow-to-ns-y-pod-a', 'x', {
        podSelector: podA,
        egress: [{ to: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: 'y' } }, podSelector: podA }] }],
        policyTypes: ['Egress'],
      }),
    ],
    R().expectAllEgress('x/a', false).expect('x/a', 'y/a', true),
  );

  const tcpOnly = knp('allow-ingress-by-proto', 'x', { podSelector: podA, ingress: [{ ports: [{ protocol: 'TCP' }] }] });
  up('should enforce ingress policy allowing any port traffic to a server on a specific protocol (TCP)', 'TCP', 80, [tcpOnly], R());
  up(
    'should enforce ingress policy allowing any port traffic to a server on a specific protocol (UDP)',
    'UDP',
    80,
    [tcpOnly],
    R().expectPeer({}, { namespace: 'x', pod: 'a' }, false),
  );

  const ingressPort80 = knp('allow-ingress-port-80', 'x', { podSelector: everything, ingress: [{ ports: [{ port: 80 }] }] });
  up(
    'should enforce multiple ingress policies with ingress allow-all policy taking precedence (before)',
    'TCP',
    81,
    [ingressPort80],
    R().expectPeer({}, { namespace: 'x' }, false),
  );
  up(
    'should enforce multiple ingress policies with ingress allow-all policy taking precedence (after)',
    'TCP',
    81,
    [ingressPort80, knp('allow-ingress', 'x', { podSelector: everything, ingress: [{}] })],
    R(),
  );

  const egressPort80 = knp('allow-egress-port-80', 'x', { podSelector: everything, egress: [{ ports: [{ port: 80 }] }], policyTypes: ['Egress'] });
  up(
    'should enforce multiple egress policies with egress allow-all policy taking precedence (before)',
    'TCP',
    81,
    [egressPort80],
    R().expectPeer({ namespace: 'x' }, {}, false),
  );
  up(
    'should enforce multiple egress policies with egress allow-all policy taking precedence (after)',
    'TCP',
    81,
    [egressPort80, knp('allow-egress', 'x', { podSelector: everything, egress: [{}], policyTypes: ['Egress'] })],
    R(),
  );

  up(
    'should stop enforcing policies after they are deleted (while present)',
    'TCP',
    80,
    [knp('deny-all', 'x', { podSelector: everything, ingress: [], egress: [], policyTypes: ['Ingress', 'Egress'] })],
    R().expectPeer({ namespace: 'x' }, {}, false).expectPeer({}, { namespace: 'x' }, false),
  );
  up('should stop enforcing policies after they are deleted (after deletion)', 'TCP', 80, [], R());

  up(
    'should allow egress access to server in CIDR block',
    'TCP',
    80,
    [
      knp('allow-client-a-via-cidr-egress-rule', 'x', {
        podSelector: podA,
        egress: [{ to: [{ ipBlock: { cidr: `${ipOf('y/b')}/32` } }] }],
        policyTypes: ['Egress'],
      }),
    ],
    R().expectAllEgress('x/a', false).expect('x/a', 'y/b', true),
  );

  const exceptXb = knp('allow-client-a-via-cidr-egress-rule', 'x', {
    podSelector: podA,
    egress: [{ to: [{ ipBlock: { cidr: largeCIDR(ipOf('x/b')), except: [`${ipOf('x/b')}/32`] } }] }],
    policyTypes: ['Egress'],
  });
  up('should enforce except clause while egress access to server in CIDR block', 'TCP', 80, [exceptXb], R().expect('x/a', 'x/b', false));
  up(
    'should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed (after update)',
    'TCP',
    80,
    [
      knp('allow-client-a-via-cidr-egress-rule', 'x', {
        podSelector: podA,
        egress: [{ to: [{ ipBlock: { cidr: `${ipOf('x/b')}/32` } }] }],
        policyTypes: ['Egress'],
      }),
    ],
    R().expectAllEgress('x/a', false).expect('x/a', 'x/b', true),
  );

  const allowEgressA = knp('allow-egress-for-target', 'x', { podSelector: podA, egress: [{}], policyTypes: ['Egress'] });
  up('should enforce policies to check ingress and egress policies can be controlled independently (egress only)', 'TCP', 80, [allowEgressA], R());
  up(
    'should enforce policies to check ingress and egress policies can be controlled independently (egress + deny ingress)',
    'TCP',
    80,
    [allowEgressA, knp('deny-ingress-via-label-selector', 'x', { podSelector: podA, ingress: [] })],
    R().expectAllIngress('x/a', false),
  );

  up(
    "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP'",
    'TCP',
    81,
    [
      knp('deny-ingress', 'x', { podSelector: everything, ingress: [] }),
      knp('allow-only-sctp-ingress-on-port-81', 'x', { podSelector: podA, ingress: [{ ports: [{ port: 81, protocol: 'SCTP' }] }] }),
    ],
    R().expectPeer({}, { namespace: 'x' }, false),
  );
  up(
    'should properly isolate pods that are selected by a policy allowing SCTP',
    'TCP',
    81,
    [knp('allow-only-sctp-ingress-on-port-80', 'x', { podSelector: podA, ingress: [{ ports: [{ port: 80, protocol: 'SCTP' }] }] })],
    R().expectAllIngress('x/a', false),
  );
  up(
    'should not allow access by TCP when a policy specifies only UDP',
    'TCP',
    81,
    [knp('allow-only-udp-ingress-on-port-81', 'x', { podSelector: podA, ingress: [{ ports: [{ port: 81, protocol: 'UDP' }] }] })],
    R().expectAllIngress('x/a', false),
  );

  up(
    'should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label',
    'TCP',
    80,
    [
      knp('allow-client-a-via-ns-selector-for-immutable-ns-label', 'x', {
        podSelector: podA,
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: 'y' } } }] }],
      }),
    ],
    onlyFromYClone(R),
  );
  up(
    'should enforce policy based on NamespaceSelector with MatchExpressions using default ns label',
    'TCP',
    80,
    [
      knp('allow-ns-y-match-selector-for-immutable-ns-label', 'x', {
        podSelector: podA,
        egress: [{ to: [{ namespaceSelector: { matchExpressions: [{ key: NS_LABEL, operator: 'NotIn', values: ['y'] }] } }] }],
        policyTypes: ['Egress'],
      }),
    ],
    R().expectPeer({ namespace: 'x', pod: 'a' }, { namespace: 'y' }, false),
  );

  // --- upstream: UDP and SCTP variants ---------------------------------------------------------------
  for (const protocol of ['UDP', 'SCTP'] as const) {
    up(`${protocol}: should support a 'default-deny-ingress' policy`, protocol, 80, [knp('deny-all', 'x', { podSelector: everything, ingress: [] })], R().expectPeer({}, { namespace: 'x' }, false));
    up(
      `${protocol}: should enforce policy based on Ports`,
      protocol,
      81,
      [
        knp('allow-ingress-on-port-81-ns-x', 'x', {
          podSelector: podA,
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { [NS_LABEL]: 'y' } } }], ports: [{ port: 81, protocol }] }],
        }),
      ],
      onlyFromYClone(R),
    );
    up(
      `${protocol}: should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector`,
      protocol,
      80,
      [yaOnly],
      yaOnlyTable(),
    );
  }

  return cases;
}

function onlyFromYClone(R: (initial?: boolean) => Reachability): Reachability {
  return R()
    .expectPeer({ namespace: 'x' }, { namespace: 'x', pod: 'a' }, false)
    .expectPeer({ namespace: 'z' }, { namespace: 'x', pod: 'a' }, false);
}