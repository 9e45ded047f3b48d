import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigBatcher, dataplaneConfigFromSpec } from './config-batcher.js';
import { defaultDataplaneConfig } from './dataplane-api.js';
import type { DataplaneConfig } from './dataplane-api.js';

const felix = (name: string, spec: Record<string, unknown>) => ({
  kind: 'FelixConfiguration',
  key: name,
  value: { apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name }, spec },
});

function batcher() {
  const sent: DataplaneConfig[] = [];
  const warnings: string[] = [];
  const b = new ConfigBatcher('node1', { onConfigUpdate: (c) => sent.push(c), onInSync: () => {} }, (w) => warnings.push(w));
  return { b, sent, warnings };
}

describe('ConfigBatcher', () => {
  it('holds config until in sync, then sends defaults merged with default and node.<name>', () => {
    const { b, sent } = batcher();
    b.onUpdate(felix('default', { defaultEndpointToHostAction: 'Accept', iptablesFilterDenyAction: 'Reject' }));
    b.onUpdate(felix('node.node1', { defaultEndpointToHostAction: 'Return' }));
    b.onUpdate(felix('node.node2', { logPrefix: 'other-node' }));
    assert.equal(sent.length, 0);
    b.onStatusUpdate('in-sync');
    assert.deepEqual(sent, [{ ...defaultDataplaneConfig(), defaultEndpointToHostAction: 'Return', denyAction: 'Reject' }]);
  });

  it('sends only effective changes', () => {
    const { b, sent } = batcher();
    b.onStatusUpdate('in-sync');
    b.onUpdate(felix('node.node2', { logPrefix: 'x' })); // another node: nothing
    b.onUpdate(felix('default', {})); // same effective config
    assert.equal(sent.length, 1);
    b.onUpdate(felix('default', { logPrefix: 'drop-%t' }));
    b.onUpdate({ kind: 'FelixConfiguration', key: 'default', value: undefined });
    assert.deepEqual(sent.map((c) => c.logPrefix), ['calico-packet', 'drop-%t', 'calico-packet']);
  });

  it('falls back to defaults for unusable values and says which field', () => {
    const { b, sent, warnings } = batcher();
    b.onUpdate(felix('default', { defaultEndpointToHostAction: 'Maybe', iptablesRefreshInterval: 'soon', failsafeInboundHostPorts: [{ port: 99999 }] }));
    b.onStatusUpdate('in-sync');
    assert.deepEqual(sent, [defaultDataplaneConfig()]);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!, /FelixConfiguration field defaultEndpointToHostAction: must be one of Drop, Return, Accept/);
  });

  it('parses failsafe ports, interface prefixes and durations', () => {
    const cfg = dataplaneConfigFromSpec(
      { failsafeInboundHostPorts: [{ protocol: 'UDP', port: 53, net: '10.0.0.0/8' }, { port: 22 }], interfacePrefix: 'cali, tap', iptablesRefreshInterval: '1m30s' },
      () => assert.fail('no warnings expected'),
    );
    assert.deepEqual(cfg.failsafeInboundHostPorts, [{ protocol: 'udp', port: 53, net: '10.0.0.0/8' }, { protocol: 'tcp', port: 22 }]);
    assert.deepEqual(cfg.interfacePrefixes, ['cali', 'tap']);
    assert.equal(cfg.refreshIntervalSeconds, 90);
  });
});
