/**
 * `npm run bench`: runs every `bench/*.bench.js` module in this folder and prints one JSON document
 * `{ "<module>": { ...figures } }`. Each module exports `run(): Promise<Record<string, unknown>>`
 * and measures its targets against a baseline taken in the same run (ratios), since these
 * machines are shared and noisy.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface BenchModule {
  run(): Promise<Record<string, unknown>>;
}

const dir = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const results: Record<string, unknown> = {};
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js') || f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
for (const file of files) {
  const name = file.replace(/\.bench\.(js|ts)$/, '');
  process.stderr.write(`[bench] ${name}...\n`);
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as BenchModule;
  try {
    results[name] = await mod.run();
  } catch (err) {
    results[name] = { error: err instanceof Error ? err.message : String(err) };
  }
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
