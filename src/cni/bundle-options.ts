/**
 * How a CNI plugin entry point becomes the one-file program that ships (scripts/bundle-cni.mjs) and that
 * the lab runs from source (src/lab/plugin-bin.ts). A runtime starts the plugin for every pod ADD and DEL,
 * so start-up is on the critical path: Node 20 pays ~1 ms per ES module (ADD touches ~45), an ES-module
 * entry costs ~5 ms more than a CommonJS one, and built-ins such as node:http load only when required.
 * Hence one CommonJS file. Rarely used libraries stay external and load lazily; better-sqlite3's
 * JavaScript is bundled (its dozen files cost ~10 ms one by one), its compiled addon is required from
 * node_modules when the datastore opens.
 */
import type { BuildOptions } from 'esbuild';

export function pluginBundleOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['yaml', 'pino', 'prom-client', 'commander'],
    // `import()` of those becomes require(): the launcher compiles the bundle as a vm.Script, where a
    // real dynamic import needs an experimental loader hook (see code-cache.ts).
    supported: { 'dynamic-import': false },
    // The sources are ES modules; the few `import.meta.url` uses become the bundle's own file URL.
    define: { 'import.meta.url': '__calicoBundleUrl' },
    banner: { js: "const __calicoBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  };
}
