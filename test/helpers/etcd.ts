/**
 * A real, throwaway etcd for tests and benchmarks.
 *
 *   const etcd = await startEtcd();
 *   try { ...use etcd.endpoints (e.g. ['http://127.0.0.1:40123'])... } finally { await etcd.stop(); }
 *
 * Runs the `etcd` binary (Debian etcd-server) on 127.0.0.1 with free ports and a temp data dir,
 * waits until `/health` answers, and `stop()` SIGKILLs that PID, waits for it to exit and removes
 * the dir. `restart()` kills it and starts it again on the same ports and data (for tests of
 * clients riding out an etcd restart). Only processes this helper started are ever signalled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EtcdServer {
  /** Client URLs, ready for ETCD_ENDPOINTS (joined with ","). */
  endpoints: string[];
  /** Kills etcd and deletes its data. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILLs etcd and starts it again with the same ports and data dir; resolves once healthy. */
  restart(): Promise<void>;
}

export interface StartEtcdOptions {
  /** Skip fsync (faster; data survives etcd crashes but not power loss). Default true. */
  unsafeNoFsync?: boolean;
  /** Give up if not healthy within this many ms. Default 15,000. */
  timeoutMs?: number;
}

/** A port the kernel just handed out on 127.0.0.1; the listener is closed before etcd binds it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) });
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

async function startOnce(options: StartEtcdOptions): Promise<EtcdServer> {
  const dir = mkdtempSync(join(tmpdir(), 'calico-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name', 'test', '--data-dir', join(dir, 'data'),
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `test=${peer}`,
    '--logger', 'zap', '--log-outputs', join(dir, 'etcd.log'),
    ...(options.unsafeNoFsync ?? true ? ['--unsafe-no-fsync'] : []),
  ];
  const timeoutMs = options.timeoutMs ?? 15_000;
  let child: ChildProcess;
  let removed = false;

  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited(child);
  };
  const stop = async (): Promise<void> => {
    if (removed) return;
    removed = true;
    await kill();
    rmSync(dir, { recursive: true, force: true });
  };
  const launch = async (): Promise<void> => {
    child = spawn('etcd', args, { stdio: 'ignore' });
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (spawnError || child.exitCode !== null) {
        let log = '';
        try {
          log = readFileSync(join(dir, 'etcd.log'), 'utf8').slice(-2000);
        } catch {
          // no log yet
        }
        await stop();
        throw new Error(`etcd failed to start: ${spawnError?.message ?? `exit code ${child.exitCode}`}\n${log}`);
      }
      if (await healthy(client)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await stop();
    throw new Error(`etcd at ${client} was not healthy within ${timeoutMs} ms`);
  };
  const restart = async (): Promise<void> => {
    await kill();
    await launch();
  };
  await launch();
  return { endpoints: [client], stop, restart };
}

/** Starts etcd; retries with new ports if another process grabbed one meanwhile. */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
