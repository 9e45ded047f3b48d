// Bundles the CNI plugins (see src/cni/bundle-options.ts for why). For each plugin:
//   dist/src/cni/<name>.main.cjs  the whole plugin, one CommonJS file;
//   dist/src/cni/<name>.cjs       the launcher package.json's `bin` points at, which runs the first
//                                 through V8's code cache (src/cni/code-cache.ts).
// Runs after tsc, whose output provides the options; esbuild reads the TypeScript sources, so the
// bundles never depend on what tsc chose to re-emit.
import { build } from 'esbuild';
import { pluginBundleOptions } from '../dist/src/cni/bundle-options.js';

for (const name of ['calico', 'calico-ipam']) {
  await build({ ...pluginBundleOptions(`src/cni/${name}.ts`, `dist/src/cni/${name}.main.cjs`), sourcemap: true });
  await build(pluginBundleOptions(`src/cni/${name}-launcher.ts`, `dist/src/cni/${name}.cjs`));
}
