import { after, before } from 'node:test';
import { embeddedBackend, etcdBackend, memoryBackend, startEtcd, type EtcdServer } from './_backends.js';
import { ipamScenarios } from './_scenarios.js';

let etcd: EtcdServer;
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

ipamScenarios(memoryBackend);
ipamScenarios(embeddedBackend);
ipamScenarios(etcdBackend(() => etcd));
