#!/usr/bin/env node
/**
 * The lab's pod workload: serves `tcp:<port>` (writes "<pod id>\n", then echoes what the client sends until
 * it closes, so tests can hold a connection open) and `udp:<port>` (echoes
 * each datagram back) on all addresses of the network namespace it runs in. Prints "ready" once every
 * port is bound.
 * Usage: pod-server <pod id> tcp:80,tcp:81,udp:80,udp:81
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { parseServeList } from './serve.js';

const [id = 'pod', list = ''] = process.argv.slice(2);
const ports = parseServeList(list);
await Promise.all(
  ports.map(
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
  ),
);
process.stdout.write('ready\n');
process.on('SIGTERM', () => process.exit(0));
