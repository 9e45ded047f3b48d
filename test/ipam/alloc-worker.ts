/**
 * One "node" for the multi-process IPAM tests and benchmark. Opens the datastore from the
 * environment (DATASTORE_TYPE, CALICO_DATA_DIR / ETCD_ENDPOINTS), then on stdin commands:
 *   `assign`  -> runs --count autoAssigns, --concurrency at a time; prints {"assigned":[...],"errors":[...],"ms":N}
 *   `release` -> releases every handle it assigned, concurrently; prints {"released":N,"errors":[...],"ms":N}
 *   `exit`
 * It prints `ready` once the datastore is open, so a parent can start all nodes at the same instant.
 */
import { createInterface } from 'node:readline';
import { loadDatastoreConfig, openDatastore } from '../../src/datastore/config.js';
import { IPAMClient } from '../../src/ipam/ipam-client.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
}

const host = arg('host', 'node');
const count = Number(arg('count', '50'));
const concurrency = Number(arg('concurrency', '50'));
const serialize = !process.argv.includes('--no-serialize');

async function pool<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<Array<PromiseSettledResult<T>>> {
  const out: Array<PromiseSettledResult<T>> = new Array(n);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      try {
        out[i] = { status: 'fulfilled', value: await fn(i) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, lane));
  return out;
}

const ds = await openDatastore(await loadDatastoreConfig(process.env));
const ipam = new IPAMClient(ds, { serializePerHost: serialize });
const handles: string[] = [];
process.stdout.write('ready\n');

const errText = (r: PromiseSettledResult<unknown>): string[] =>
  r.status === 'rejected' ? [r.reason instanceof Error ? `${(r.reason as { code?: string }).code ?? ''} ${r.reason.message}` : String(r.reason)] : [];

for await (const line of createInterface({ input: process.stdin })) {
  const cmd = line.trim();
  if (cmd === 'assign') {
    const t0 = performance.now();
    const results = await pool(count, concurrency, async (i) => {
      const handleId = `k8s-pod-network.${host}-${i}`;
      const r = await ipam.autoAssign({ num4: 1, handleId, hostname: host, attrs: { pod: `${host}-pod-${i}`, namespace: 'default', node: host } });
      handles.push(handleId);
      return { handleId, ip: r.ipv4[0]!.ip };
    });
    const ms = performance.now() - t0;
    process.stdout.write(`${JSON.stringify({
      assigned: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
      errors: results.flatMap(errText),
      ms,
    })}\n`);
  } else if (cmd === 'release') {
    const t0 = performance.now();
    const results = await pool(handles.length, concurrency, (i) => ipam.releaseByHandle(handles[i]!));
    process.stdout.write(`${JSON.stringify({
      released: results.reduce((n, r) => n + (r.status === 'fulfilled' ? r.value.length : 0), 0),
      errors: results.flatMap(errText),
      ms: performance.now() - t0,
    })}\n`);
    handles.length = 0;
  } else if (cmd === 'exit') {
    break;
  }
}
await ds.close();
