/**
 * Felix's code defaults (felix/config/config_params.go) that more than one component needs: the
 * calculation graph hands them to the dataplane, and `policy trace` evaluates host endpoints with them.
 */
export interface FailsafePort {
  protocol: string;
  port: number;
  net?: string;
}

const ports = (list: Array<[string, number]>): readonly FailsafePort[] =>
  Object.freeze(list.map(([protocol, port]) => Object.freeze({ protocol, port })));

/** Accepted to host endpoints before any policy: ssh, DHCP, BGP, etcd, Typha, the API server, kube-proxy health. */
export const DEFAULT_FAILSAFE_INBOUND_HOST_PORTS = ports([
  ['tcp', 22], ['udp', 68], ['tcp', 179], ['tcp', 2379], ['tcp', 2380], ['tcp', 5473], ['tcp', 6443], ['tcp', 6666], ['tcp', 6667],
]);

/** Accepted from host endpoints before any policy: DNS, DHCP, BGP, etcd, Typha, the API server. */
export const DEFAULT_FAILSAFE_OUTBOUND_HOST_PORTS = ports([
  ['udp', 53], ['udp', 67], ['tcp', 179], ['tcp', 2379], ['tcp', 2380], ['tcp', 5473], ['tcp', 6443], ['tcp', 6666], ['tcp', 6667],
]);
