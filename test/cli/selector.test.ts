import assert from 'node:assert/strict';
import { test } from 'node:test';
import { embeddedCalicoctl } from './_calicoctl.js';

const ENDPOINTS = `apiVersion: projectcalico.org/v3
kind: Profile
metadata:
  name: kns.prod
spec:
  labelsToApply:
    pcns.team: blue
    app: from-profile
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata:
  name: node1-k8s-web--1-eth0
  namespace: prod
  labels:
    app: web
spec:
  orchestrator: k8s
  node: node1
  pod: web-1
  endpoint: eth0
  interfaceName: cali1111
  serviceAccountName: frontend
  ipNetworks: [10.65.0.1/32]
  profiles: [kns.prod]
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata:
  name: node1-k8s-db--1-eth0
  namespace: prod
spec:
  orchestrator: k8s
  node: node1
  pod: db-1
  endpoint: eth0
  interfaceName: cali2222
  ipNetworks: [10.65.0.2/32]
  profiles: [kns.prod]
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata:
  name: node2-k8s-web--2-eth0
  namespace: dev
  labels:
    app: web
spec:
  orchestrator: k8s
  node: node2
  pod: web-2
  endpoint: eth0
  interfaceName: cali3333
  ipNetworks: [10.65.1.1/32]
`;

async function names(ctl: ReturnType<typeof embeddedCalicoctl>, selector: string): Promise<string> {
  const r = await ctl.run(['get', 'wep', '-A', '-o', 'name', '--selector', selector]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('calicoctl get --selector matches endpoint labels, profile-inherited labels and implicit labels', async (t) => {
  const ctl = embeddedCalicoctl(t);
  const applied = await ctl.run(['apply', '-f', ctl.file('eps.yaml', ENDPOINTS)]);
  assert.equal(applied.stdout, 'Successfully applied 4 resource(s)\n', applied.stderr);

  const web = 'workloadendpoint.projectcalico.org/node1-k8s-web--1-eth0\n';
  const db = 'workloadendpoint.projectcalico.org/node1-k8s-db--1-eth0\n';
  const dev = 'workloadendpoint.projectcalico.org/node2-k8s-web--2-eth0\n';

  // Own label wins over the profile's app=from-profile.
  assert.equal(await names(ctl, 'app == "web"'), dev + web);
  assert.equal(await names(ctl, 'app == "from-profile"'), db);
  // Inherited from profile kns.prod.
  assert.equal(await names(ctl, 'pcns.team == "blue"'), db + web);
  // Implicit labels.
  assert.equal(await names(ctl, 'projectcalico.org/namespace == "dev"'), dev);
  assert.equal(await names(ctl, 'projectcalico.org/serviceaccount == "frontend"'), web);
  assert.equal(await names(ctl, 'projectcalico.org/orchestrator == "k8s" && !has(pcns.team)'), dev);

  const table = await ctl.run(['get', 'wep', '-n', 'prod', '--selector', 'has(pcns.team)']);
  assert.equal(
    table.stdout,
    'NAMESPACE   WORKLOAD   NODE    NETWORKS       INTERFACE   \n' +
      'prod        db-1       node1   10.65.0.2/32   cali2222    \n' +
      'prod        web-1      node1   10.65.0.1/32   cali1111    \n' +
      '\n',
  );

  const bad = await ctl.run(['get', 'wep', '--selector', 'app ==']);
  assert.equal(bad.code, 1);
  assert.notEqual(bad.stderr, '');
});
