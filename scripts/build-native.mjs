// Compiles the CNI plugin's N-API addon (native/calico_netns.c) to dist/native/calico_netns.node with
// the system C compiler, against the headers of the `node-api-headers` dev dependency: no node-gyp, no
// download. Node-API is ABI-stable, so one build serves every Node >= 20. Skipped when the output is
// newer than its inputs. Without a compiler the plugin still works, through `ip` (slower): warn, go on.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'native', 'calico_netns.c');
const out = join(root, 'dist', 'native', 'calico_netns.node');
const include = join(dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include');
const cc = process.env.CC || 'cc';

const mtime = (f) => statSync(f).mtimeMs;
if (existsSync(out) && mtime(out) >= Math.max(mtime(src), mtime(join(include, 'node_api.h')), mtime(new URL(import.meta.url).pathname))) {
  process.exit(0);
}

mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
try {
  execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-shared', '-fPIC', '-fvisibility=hidden', '-I', include, '-o', tmp, src], { stdio: 'inherit' });
} catch (err) {
  if (err.code === 'ENOENT') {
    console.warn(`[build-native] no C compiler (${cc}): the calico CNI plugin will program pods through \`ip\`; install gcc and libc6-dev (scripts/install-deps.sh)`);
    process.exit(0);
  }
  throw err;
}
renameSync(tmp, out);
