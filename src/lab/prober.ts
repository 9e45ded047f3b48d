#!/usr/bin/env node
/**
 * Runs inside one source pod's netns: tries every (target, protocol, port) in parallel and prints one JSON
 * object `{"<target id>|tcp:80": true, ...}`. TCP succeeds on connect; UDP when the echo comes back.
 * Usage: prober <timeout ms> '<json [{id, ip}]>' '<json [{protocol, port}]>'
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { ServePort } from './serve.js';

function tcp(ip: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: ip, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

function udp(ip: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    let retry: NodeJS.Timeout | undefined;
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      clearInterval(retry);
      sock.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('message', () => done(true));
    sock.once('error', () => done(false));
    const send = (): void => sock.send('probe');
    // Resend: the first datagram can be lost while ARP resolves.
    sock.connect(port, ip, () => {
      send();
      retry = setInterval(send, Math.max(50, timeoutMs / 5));
    });
  });
}

const [timeoutText = '1000', targetsJson = '[]', portsJson = '[]'] = process.argv.slice(2);
const timeoutMs = Number(timeoutText);
const targets = JSON.parse(targetsJson) as Array<{ id: string; ip: string }>;
const ports = JSON.parse(portsJson) as ServePort[];
const jobs = targets.flatMap((t) =>
  ports.map(async (p) => [`${t.id}|${p.protocol}:${p.port}`, await (p.protocol === 'tcp' ? tcp : udp)(t.ip, p.port, timeoutMs)] as const),
);
process.stdout.write(`${JSON.stringify(Object.fromEntries(await Promise.all(jobs)))}\n`);
