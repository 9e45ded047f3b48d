/**
 * What `calicoctl version` reports about this client: the package version (as `vX.Y.Z`) and, when
 * running from a git checkout, the commit. Read from disk on demand so start-up stays cheap.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  gitCommit: string;
}

/** Walk up from this module to the first package.json (the repo root, in src/ and in dist/src/). */
async function findPackageRoot(): Promise<string | undefined> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      await readFile(join(dir, 'package.json'), 'utf8');
      return dir;
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  }
}

async function gitCommit(root: string): Promise<string> {
  try {
    const head = (await readFile(join(root, '.git', 'HEAD'), 'utf8')).trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice('ref: '.length);
    try {
      return (await readFile(join(root, '.git', ref), 'utf8')).trim();
    } catch {
      // Packed refs: "<sha> <ref>" lines.
      const packed = await readFile(join(root, '.git', 'packed-refs'), 'utf8');
      const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
      return line?.split(' ')[0] ?? 'unknown';
    }
  } catch {
    return 'unknown';
  }
}

/**
 * The client's version and git commit.
 * @example (await buildInfo()).version // 'v0.1.0'
 */
export async function buildInfo(): Promise<BuildInfo> {
  const root = await findPackageRoot();
  if (root === undefined) return { version: 'unknown', gitCommit: 'unknown' };
  let version = 'unknown';
  try {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version?: string };
    if (typeof pkg.version === 'string') version = `v${pkg.version}`;
  } catch {
    // Keep "unknown": version is informational.
  }
  return { version, gitCommit: await gitCommit(root) };
}
