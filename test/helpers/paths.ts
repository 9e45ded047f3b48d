/**
 * Locating the repo and our executables from a test, whether the test runs compiled (dist/test/...)
 * or straight from TypeScript under tsx (test/...), so the same test spawns the same program either way.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const compiled = here.endsWith('.js');

/** Repository root (where package.json is). */
export const repoRoot = compiled ? resolve(dirname(here), '../../..') : resolve(dirname(here), '../..');

/** Root that holds `src/` for running code: dist/ when compiled, the repo when under tsx. */
const codeRoot = compiled ? resolve(repoRoot, 'dist') : repoRoot;

/**
 * argv to run one of our entry points as a separate process, e.g. `nodeCommand('src/cli/main')`
 * gives `[process.execPath, '/repo/dist/src/cli/main.js']`.
 */
export function nodeCommand(modulePath: string): string[] {
  const file = resolve(codeRoot, `${modulePath}${compiled ? '.js' : '.ts'}`);
  return compiled ? [process.execPath, file] : [process.execPath, '--import', 'tsx', file];
}

/** A path under the repo, e.g. fixtures: `repoPath('test/fixtures/api/valid')`. */
export function repoPath(...parts: string[]): string {
  return resolve(repoRoot, ...parts);
}
