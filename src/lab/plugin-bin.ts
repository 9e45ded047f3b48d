/**
 * Where the lab's `calico` CNI plugin binary comes from, the lab's counterpart of Calico's install-cni
 * step. Compiled, it is dist/src/cni/calico.cjs (the bundle package.json's `bin` names, see scripts/bundle-cni.mjs).
 * Run from TypeScript, every plugin process under tsx costs ~1 CPU-second of loader work, which 100
 * concurrent ADDs per node cannot afford; so the lab bundles the current source once with esbuild (a
 * dev dependency, present whenever tsx is) into node_modules/.cache, where the plugin's external
 * packages still resolve, and runs that with plain node.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(import.meta.url).endsWith('.js');

let bundled: Promise<string> | undefined;

async function bundleFromSource(): Promise<string> {
  const entry = fileURLToPath(new URL('../cni/calico.ts', import.meta.url));
  const cacheDir = fileURLToPath(new URL('../../node_modules/.cache/calico-lab', import.meta.url));
  const { build } = await import('esbuild');
  const { pluginBundleOptions } = await import('../cni/bundle-options.js');
  const out = await build({ ...pluginBundleOptions(entry, `${cacheDir}/calico.cjs`), write: false });
  const code = out.outputFiles[0]!.contents;
  // Named by content: parallel labs share identical builds, and a stale one is never run.
  const file = `${cacheDir}/calico-${createHash('sha1').update(code).digest('hex').slice(0, 16)}.cjs`;
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code, { mode: 0o755 });
    renameSync(tmp, file);
  }
  return file;
}

/** argv prefix running the `calico` plugin with this host's node. */
export async function calicoPluginArgv(): Promise<string[]> {
  if (compiled) return [process.execPath, fileURLToPath(new URL('../cni/calico.cjs', import.meta.url))];
  bundled ??= bundleFromSource();
  return [process.execPath, await bundled];
}
