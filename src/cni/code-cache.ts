/**
 * Runs a CNI plugin's CommonJS bundle through V8's code cache.
 *
 * Why: a container runtime starts the plugin for every pod ADD and DEL, and a cold Node process spends
 * several milliseconds compiling the functions one command runs. V8 can serialise what it compiled,
 * lazily compiled functions included, after the run (`Script.createCachedData`); the next process
 * deserialises that instead of compiling. Node 22 does the same with `module.enableCompileCache()`;
 * Node 20 has only the vm API, hence this launcher.
 *
 * One cache file per command (ADD and DEL run different code), named by the bundle's size and mtime
 * and Node's version, written once, after the first run of that command, atomically. V8 itself refuses a
 * cache from another V8 or other flags; the name guards against a rebuilt bundle of the same length,
 * which V8 would not notice. The cache lives in a directory only this user can write
 * ($CALICO_CNI_CODE_CACHE_DIR, default $TMPDIR/calico-cni-code-cache-<uid>; empty disables it). Any
 * problem with it just means compiling as usual.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The cache directory to use, or undefined when disabled or not safely ours. */
export function codeCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const uid = process.getuid?.() ?? 0;
  const dir = env.CALICO_CNI_CODE_CACHE_DIR ?? join(env.TMPDIR || '/tmp', `calico-cni-code-cache-${uid}`);
  if (dir === '') return undefined;
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  try {
    // In a shared /tmp, only a real directory of ours that nobody else can write is trusted.
    const st = lstatSync(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Cache file name for one bundle build, Node build and command. */
export function codeCacheFile(dir: string, bundle: string, command: string): string {
  const st = statSync(bundle);
  const cmd = /^[A-Z]{1,16}$/.test(command) ? command : 'OTHER';
  return join(dir, `${basename(bundle)}-${st.size}-${Math.trunc(st.mtimeMs)}-${process.version}-${process.arch}-${cmd}.v8cache`);
}

/** Writes the cache, and drops the caches of earlier builds of the same bundle. */
function writeCache(file: string, bundle: string, script: Script): void {
  try {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), { flag: 'wx', mode: 0o600 });
    renameSync(tmp, file);
    const dir = dirname(file);
    const mine = `${basename(bundle)}-`;
    const build = basename(file).replace(/-[A-Z]+\.v8cache$/, '-');
    for (const f of readdirSync(dir)) {
      if (f.startsWith(mine) && f.endsWith('.v8cache') && !f.startsWith(build)) rmSync(join(dir, f), { force: true });
    }
  } catch {
    // A cache we could not write is only a slower next start.
  }
}

/**
 * Runs `bundle` (a CommonJS file) as the main program, compiled with its cached code when there is one.
 * @example runWithCodeCache('/opt/cni/bin/calico.main.cjs', process.env.CNI_COMMAND ?? '');
 */
export function runWithCodeCache(bundle: string, command: string, env: NodeJS.ProcessEnv = process.env): void {
  const dir = codeCacheDir(env);
  const cacheFile = dir === undefined ? undefined : codeCacheFile(dir, bundle, command);
  let cachedData: Buffer | undefined;
  if (cacheFile !== undefined) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // None yet.
    }
  }
  // A `#!` line is not JavaScript inside a function body; keep the line so positions still match.
  const source = readFileSync(bundle, 'utf8').replace(/^#!/, '//');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    // After the command has run, so the functions it compiled are in the cache too.
    process.once('exit', () => writeCache(cacheFile, bundle, script));
  }
  const main = script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void;
  const module = { exports: {}, filename: bundle, id: '.' };
  main.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
}
