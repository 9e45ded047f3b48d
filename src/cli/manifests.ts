/**
 * Reading `-f` input as calicoctl does: a file, `-` for stdin, or a directory whose `.yaml`/`.yml`/`.json`
 * files are read in lexical order (sub-directories only with `-R`).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseManifests } from '../api/index.js';
import type { Resource } from '../api/types.js';

export interface FileOptions {
  filename: string;
  recursive: boolean;
  skipEmpty: boolean;
}

/** The input could not be read or parsed; calicoctl reports it as "Failed to execute command: …". */
export class FileInvalidError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FileInvalidError';
  }
}

/** Input held no resources (and --skip-empty was not given). */
export class NoResourcesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoResourcesError';
  }
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * Every resource named by `-f`, in order. Throws FileInvalidError or NoResourcesError.
 * @example await loadManifests({ filename: 'pools/', recursive: false, skipEmpty: false }, readStdin)
 */
export async function loadManifests(opts: FileOptions, readStdin: () => Promise<string>): Promise<Resource[]> {
  if (opts.filename === '-') return loadOne('-', await readStdin(), opts);
  if (!(await isDirectory(opts.filename))) return loadOne(opts.filename, await readText(opts.filename), opts);

  const files = await manifestFiles(opts.filename, opts.recursive);
  const out: Resource[] = [];
  for (const file of files) out.push(...loadOne(file, await readText(file), opts));
  if (out.length === 0 && !opts.skipEmpty) throw new NoResourcesError(`No resources specified in directory ${opts.filename}`);
  return out;
}

function loadOne(name: string, text: string, opts: FileOptions): Resource[] {
  let resources: Resource[];
  try {
    resources = parseManifests(text, name);
  } catch (err) {
    throw new FileInvalidError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  if (resources.length === 0 && !opts.skipEmpty) throw new NoResourcesError(`No resources specified in file ${name}`);
  return resources;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new FileInvalidError(`open ${path}: ${why}`, { cause: err });
  }
}

/** Depth-first, entries in lexical order, like Go's filepath.Walk. */
async function manifestFiles(dir: string, recursive: boolean): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) out.push(...(await manifestFiles(path, true)));
    } else if (MANIFEST_EXTENSIONS.has(extname(entry.name).toLowerCase())) {
      out.push(path);
    }
  }
  return out;
}
