// The CNI plugins are started by the container runtime for every pod ADD/DEL, so their start-up is on the
// critical path: Node 20 pays ~1 ms per ES module and ADD touches ~45. Bundling each entry point into one
// file removes that; rarely used libraries stay external and load lazily. better-sqlite3's JavaScript is
// bundled too (its dozen CommonJS files cost ~10 ms to load one by one), still evaluated only when the
// datastore is opened; its compiled addon is loaded from node_modules through `require`, which the
// banner defines for the bundled CommonJS code.
// The bundles are built from src/ (esbuild reads the TypeScript), not from tsc's dist/ output: tsc is
// incremental and does not re-emit an unchanged entry file, so bundling dist/ in place would re-bundle the
// previous bundle and ship stale code whenever only a module behind the entry point changed.
import { build } from 'esbuild';

for (const name of ['calico', 'calico-ipam']) {
  await build({
    entryPoints: [`src/cni/${name}.ts`],
    outfile: `dist/src/cni/${name}.js`,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    external: ['yaml', 'pino', 'prom-client', 'commander'],
    banner: { js: "import { createRequire as __calicoCreateRequire } from 'node:module';\nconst require = __calicoCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}
