/**
 * One connectivity attempt from the current network namespace: TCP succeeds on connect, UDP when the
 * echo comes back. Used by the pod server (probes on request) and the stand-alone prober.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { ServePort } from './serve.js';

export interface ProbeRequest {
  timeoutMs: number;
  targets: Array<{ id: string; ip: string }>;
  ports: ServePort[];
}

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
    // Resend: the first datagram can be lost while ARP resolves.
    sock.connect(port, ip, () => {
      const send = (): void => sock.send('probe', (err) => err && done(false));
      send();
      retry = setInterval(send, Math.max(50, timeoutMs / 5));
    });
  });
}

/** `{"<target id>|tcp:80": true, ...}` for every target and port, all attempted at once. */
export async function runProbes(req: ProbeRequest): Promise<Record<string, boolean>> {
  const jobs = req.targets.flatMap((t) =>
    req.ports.map(async (p) => [`${t.id}|${p.protocol}:${p.port}`, await (p.protocol === 'tcp' ? tcp : udp)(t.ip, p.port, req.timeoutMs)] as const),
  );
  return Object.fromEntries(await Promise.all(jobs));
}
