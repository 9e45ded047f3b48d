/**
 * Running the real calicoctl from tests: each test gets its own embedded datastore directory, and
 * `run()` spawns the program (tsx or compiled, via nodeCommand) with stdin, collecting exit code and output.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { nodeCommand } from '../helpers/paths.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Calicoctl {
  run(args: string[], opts?: { stdin?: string }): Promise<RunResult>;
  /** A scratch directory for manifests, removed with the test. */
  dir: string;
  /** Write a manifest into `dir` and return its path. */
  file(name: string, text: string): string;
}

const [exe, ...exeArgs] = nodeCommand('src/cli/main') as [string, ...string[]];

/** Spawn calicoctl with the given environment. */
export function runCalicoctl(env: NodeJS.ProcessEnv, args: string[], opts: { stdin?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, [...exeArgs, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

/** A calicoctl bound to a fresh embedded datastore that is deleted after the test. */
export function embeddedCalicoctl(t: TestContext): Calicoctl {
  const dir = mkdtempSync(join(tmpdir(), 'calicoctl-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: dir,
    DATASTORE_TYPE: 'embedded',
    CALICO_DATA_DIR: join(dir, 'data'),
  };
  return {
    dir,
    run: (args, opts) => runCalicoctl(env, args, opts),
    file(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}
