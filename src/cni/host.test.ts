import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { determineMTU, determineNodename } from './host.js';
import { parseNetConf } from './netconf.js';

const conf = (extra: Record<string, unknown>) => parseNetConf(JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 'calico', ...extra }));

test('determineNodename(): config, then NODENAME, then the nodename file, else (if optional) the hostname', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cni-host-'));
  try {
    const file = join(dir, 'nodename');
    writeFileSync(file, 'from-file\n');
    assert.equal(determineNodename(conf({ nodename: 'cfg', nodename_file: file }), { NODENAME: 'env' }), 'cfg');
    assert.equal(determineNodename(conf({ nodename_file: file }), { NODENAME: 'env' }), 'env');
    assert.equal(determineNodename(conf({ nodename_file: file }), {}), 'from-file');
    const missing = join(dir, 'absent');
    assert.throws(() => determineNodename(conf({ nodename_file: missing }), {}), (e: Error & { code?: number }) => e.code === 11 && /calico\/node container is running/.test(e.message));
    assert.equal(determineNodename(conf({ nodename_file: missing, nodename_file_optional: true }), {}), hostname());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('determineMTU(): config, else the MTU file Felix writes, else 1500', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cni-mtu-'));
  try {
    const file = join(dir, 'mtu');
    assert.equal(determineMTU(conf({ mtu: 1400 }), file), 1400);
    assert.equal(determineMTU(conf({}), file), 1500);
    writeFileSync(file, '1440\n');
    assert.equal(determineMTU(conf({}), file), 1440);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
