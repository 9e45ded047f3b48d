/**
 * A datastore client in its own OS process, driven by the conformance suite over stdio.
 * Opens the store from the environment (DATASTORE_TYPE, CALICO_DATA_DIR, ETCD_ENDPOINTS), prints
 * `{"ready":true}`, then runs one JSON command per stdin line and answers with JSON lines:
 *
 * - `{"op":"update","resource":R}`            -> `{"ok":true,"resourceVersion":"N"}` or `{"ok":false,"code":"CALICO_ERR_..."}`
 * - `{"op":"create","resource":R}`            -> same shape
 * - `{"op":"createLoop","kind":K,"prefix":P,"count":N}` -> `acked <name> <rev>` after each acknowledged create
 *   (N = 0 means until killed), then `{"ok":true}`
 * - `{"op":"increment","name":N,"times":T}`   -> CAS read-modify-write of FelixConfiguration N's
 *   spec.reportingIntervalSecs, retrying on conflict; `{"ok":true,"conflicts":C}`
 * - `{"op":"watch","kind":K,"fromRevision":R}` -> one `{"event":E}` line per event
 * - `{"op":"watchLatency","kind":K,"fromRevision":R}` -> `lat <ms>` per event: now minus the object's spec.sentAt
 * - `{"op":"exit"}`
 */
import { createInterface } from 'node:readline';
import { loadDatastoreConfig, openDatastore } from '../../src/datastore/config.js';
import type { Resource } from '../../src/api/types.js';
import { CalicoError } from '../../src/lib/errors.js';

function send(line: unknown): void {
  process.stdout.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);
}

function failure(err: unknown): unknown {
  if (err instanceof CalicoError) return { ok: false, code: err.code, message: err.message };
  return { ok: false, code: 'UNEXPECTED', message: String(err) };
}

interface Command {
  op: string;
  resource?: Resource;
  kind?: string;
  prefix?: string;
  count?: number;
  name?: string;
  times?: number;
  fromRevision?: number;
}

const ds = await openDatastore(await loadDatastoreConfig(process.env, undefined));
send({ ready: true });

async function run(cmd: Command): Promise<void> {
  switch (cmd.op) {
    case 'update':
    case 'create':
      try {
        const r = cmd.op === 'update' ? await ds.update(cmd.resource!) : await ds.create(cmd.resource!);
        send({ ok: true, resourceVersion: r.metadata.resourceVersion });
      } catch (err) {
        send(failure(err));
      }
      return;
    case 'createLoop':
      for (let i = 0; cmd.count === 0 || i < cmd.count!; i++) {
        const name = `${cmd.prefix}${i}`;
        const r: Resource = await ds.create({ apiVersion: 'projectcalico.org/v3', kind: cmd.kind!, metadata: { name }, spec: { i } });
        send(`acked ${name} ${r.metadata.resourceVersion}`);
      }
      send({ ok: true });
      return;
    case 'increment': {
      let conflicts = 0;
      for (let i = 0; i < cmd.times!; i++) {
        for (;;) {
          const cur = await ds.get<Resource<'FelixConfiguration', { reportingIntervalSecs: number }>>({ kind: 'FelixConfiguration', name: cmd.name! });
          cur.spec!.reportingIntervalSecs += 1;
          try {
            await ds.update(cur);
            break;
          } catch (err) {
            if (!(err instanceof CalicoError && err.code === 'CALICO_ERR_CONFLICT')) throw err;
            conflicts++;
          }
        }
      }
      send({ ok: true, conflicts });
      return;
    }
    case 'watch': {
      const w = ds.watch({ ...(cmd.kind ? { kind: cmd.kind } : {}), ...(cmd.fromRevision !== undefined ? { fromRevision: cmd.fromRevision } : {}) });
      void (async () => {
        for await (const event of w) send({ event });
      })();
      send({ ok: true });
      return;
    }
    case 'watchLatency': {
      // For the benchmark: each object carries spec.sentAt (ms since epoch, sub-ms precision).
      const w = ds.watch({ kind: cmd.kind!, fromRevision: cmd.fromRevision! });
      void (async () => {
        for await (const event of w) {
          if (event.type === 'relist') continue;
          const sentAt = (event.object.spec as { sentAt?: number } | undefined)?.sentAt;
          if (sentAt !== undefined) send(`lat ${(performance.timeOrigin + performance.now() - sentAt).toFixed(3)}`);
        }
      })();
      send({ ok: true });
      return;
    }
    case 'exit':
      await ds.close();
      process.exit(0);
    // falls through (process.exit never returns)
    default:
      send({ ok: false, code: 'BAD_COMMAND', message: cmd.op });
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  void run(JSON.parse(line) as Command).catch((err) => send(failure(err)));
}
await ds.close();
process.exit(0);
