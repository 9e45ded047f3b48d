#!/usr/bin/env node
/**
 * The lab's pod workload: serves `tcp:<port>` (writes "<pod id>\n", then echoes what the client sends until
 * it closes, so tests can hold a connection open) and `udp:<port>` (echoes each datagram back) on all
 * addresses of the network namespace it runs in.
 *
 * With a control socket path, it also answers probe requests (one JSON ProbeRequest per line, one JSON
 * result per line) from inside the pod's netns: a path-named Unix socket lives in the filesystem, which
 * network namespaces share, so the lab can probe without starting a process per probe.
 * Prints "ready" once everything is bound.
 * Usage: pod-server <pod id> tcp:80,tcp:81,udp:80,udp:81 [control socket path]
 */
import { createSocket } from 'node:dgram';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { runProbes, type ProbeRequest } from './probe-client.js';
import { parseServeList } from './serve.js';

const [id = 'pod', list = '', control] = process.argv.slice(2);
const listeners: Array<Promise<void>> = parseServeList(list).map(
  ({ protocol, port }) =>
    new Promise<void>((resolve, reject) => {
      if (protocol === 'tcp') {
        const server = createServer((sock) => {
          sock.on('error', () => undefined);
          sock.write(`${id}\n`);
          sock.pipe(sock);
        });
        server.on('error', reject);
        server.listen({ port, host: '0.0.0.0', backlog: 4096 }, () => resolve());
      } else {
        const sock = createSocket('udp4');
        sock.on('error', reject);
        sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
        sock.bind(port, '0.0.0.0', () => resolve());
      }
    }),
);
if (control) {
  rmSync(control, { force: true });
  listeners.push(
    new Promise<void>((resolve, reject) => {
      const server = createServer((conn) => {
        let buf = '';
        conn.on('error', () => undefined);
        conn.on('data', (d: Buffer) => {
          buf += d.toString();
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            runProbes(JSON.parse(line) as ProbeRequest).then(
              (r) => conn.write(`${JSON.stringify(r)}\n`),
              (err: unknown) => conn.write(`${JSON.stringify({ error: String(err) })}\n`),
            );
          }
        });
      });
      server.on('error', reject);
      server.listen(control, () => resolve());
    }),
  );
}
await Promise.all(listeners);
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  if (control) rmSync(control, { force: true });
  process.exit(0);
});
