/**
 * Felix's health endpoints: `GET /liveness` and `GET /readiness` answer 200 when every reporter is
 * live/ready and 503 otherwise, with a small JSON body naming each reporter. An optional registry is
 * also served at `/metrics` (Felix serves Prometheus on its own port; see startMetricsServer).
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface HealthReporter {
  name: string;
  live(): boolean;
  ready(): boolean;
}

function listen(server: Server, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function startHealthServer(reporters: HealthReporter[], options: { host: string; port: number }): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/liveness' && path !== '/readiness') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const check = path === '/liveness' ? (r: HealthReporter) => r.live() : (r: HealthReporter) => r.ready();
    const status = Object.fromEntries(reporters.map((r) => [r.name, check(r)]));
    const ok = Object.values(status).every(Boolean);
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(status)}\n`);
  });
  return listen(server, options.host, options.port);
}

export function startMetricsServer(registry: Registry, options: { host: string; port: number }): Promise<Server> {
  const server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  return listen(server, options.host, options.port);
}
