/** Manifests the calicoctl tests share. */

export const POOLS = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-a
spec:
  cidr: 10.10.0.0/16
  natOutgoing: true
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-b
spec:
  cidr: 10.20.0.0/16
  ipipMode: Always
`;

export const POLICIES = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: allow-dns
  namespace: prod
spec:
  order: 100
  selector: app == "web"
  egress:
  - action: Allow
    protocol: UDP
    destination:
      ports: [53]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: deny-all
spec:
  selector: all()
`;

export const GNP = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: allow-ping
spec:
  selector: all()
  ingress:
  - action: Allow
    protocol: ICMP
`;
