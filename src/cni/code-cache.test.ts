import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { codeCacheDir, codeCacheFile } from './code-cache.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Runs a launcher for `bundle` in a fresh node; the launcher module is imported by path. */
function launch(bundle: string, cacheDir: string, command: string): { status: number | null; stdout: string; stderr: string } {
  const mod = join(here, `code-cache${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`);
  const loader = import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const code = `const { runWithCodeCache } = await import(${JSON.stringify(mod)}); runWithCodeCache(${JSON.stringify(bundle)}, ${JSON.stringify(command)});`;
  const r = spawnSync(process.execPath, [...loader, '--input-type=module', '-e', code], {
    env: { ...process.env, CALICO_CNI_CODE_CACHE_DIR: cacheDir },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the launcher runs a CommonJS bundle, writes one cache per command, then runs from it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-test-'));
  try {
    const bundle = join(dir, 'p.main.cjs');
    const cache = join(dir, 'cache');
    mkdirSync(cache, { mode: 0o700 });
    writeFileSync(bundle, '#!/usr/bin/env node\nconst path = require("node:path");\nfunction twice(x) { return x * 2; }\nprocess.stdout.write(`${path.basename(__filename)} ${twice(21)} ${process.env.CNI_COMMAND ?? ""}\\n`);\n');
    for (let i = 0; i < 2; i++) {
      const r = launch(bundle, cache, 'ADD');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'p.main.cjs 42 \n');
    }
    assert.equal(launch(bundle, cache, 'DEL').status, 0);
    const files = readdirSync(cache).sort();
    assert.equal(files.length, 2, files.join(' '));
    assert.ok(files[0]!.endsWith('-ADD.v8cache') && files[1]!.endsWith('-DEL.v8cache'), files.join(' '));

    // A rebuilt bundle (new mtime) gets a fresh cache; the old build's caches go.
    writeFileSync(bundle, 'process.stdout.write("rebuilt\\n");\n');
    utimesSync(bundle, new Date(), new Date(Date.now() + 5000));
    const r = launch(bundle, cache, 'ADD');
    assert.equal(r.stdout, 'rebuilt\n');
    assert.deepEqual(readdirSync(cache), [codeCacheFile(cache, bundle, 'ADD').slice(cache.length + 1)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cache directory someone else could write is not used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-test-'));
  try {
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    assert.equal(codeCacheDir({ CALICO_CNI_CODE_CACHE_DIR: open }), undefined);
    assert.equal(codeCacheDir({ CALICO_CNI_CODE_CACHE_DIR: '' }), undefined);
    const fresh = join(dir, 'fresh');
    assert.equal(codeCacheDir({ CALICO_CNI_CODE_CACHE_DIR: fresh }), fresh);
    // A bundle that fails still fails the same way through the launcher.
    const bad = join(dir, 'bad.cjs');
    writeFileSync(bad, 'throw new Error("boom");\n');
    const r = launch(bad, fresh, 'ADD');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /boom/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
