/**
 * The shape of one calicoctl verb. `main.ts` parses global flags, picks the module by its name
 * and is the only place that prints to the real stdout or exits.
 */
import type { Datastore, DatastoreConfig } from '../datastore/types.js';

export interface CliContext {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Opened lazily, once; closed by main. */
  datastore(): Promise<Datastore>;
  datastoreConfig: DatastoreConfig;
  /** Standard input, read whole (for `-f -`). */
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
}

export interface CommandModule {
  /** Words that select it: `['apply']`, `['ipam', 'show']`, `['policy', 'trace']`. */
  name: string[];
  /** Usage text printed on `--help` or bad arguments, in calicoctl's docopt style. */
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[], ctx: CliContext): Promise<number>;
}
