// Bundles the CNI plugins into dist/src/cni/{calico,calico-ipam}.cjs, the files package.json's `bin`
// points at (see src/cni/bundle-options.ts for why). Runs after tsc, whose output provides the options;
// esbuild reads the TypeScript sources, so the bundle never depends on what tsc chose to re-emit.
import { build } from 'esbuild';
import { pluginBundleOptions } from '../dist/src/cni/bundle-options.js';

for (const name of ['calico', 'calico-ipam']) {
  await build({ ...pluginBundleOptions(`src/cni/${name}.ts`, `dist/src/cni/${name}.cjs`), sourcemap: true });
}
