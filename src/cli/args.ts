/**
 * A small option parser in the spirit of calicoctl's docopt usage: each verb declares its options,
 * and anything undeclared is a usage error. Supports `-f x`, `-fx`, `--filename x`, `--filename=x`,
 * bundled boolean shorts (`-sR`) and `--` to end options.
 */

export interface OptionSpec {
  /** Long name without dashes: `filename`. */
  long: string;
  /** One-letter short name without the dash: `f`. */
  short?: string;
  /** Whether the option takes a value (`-f FILE`); otherwise it is a boolean flag. */
  value?: boolean;
}

export interface ParsedArgs {
  /** Values by long name: a string for value options, `true` for flags that were given. */
  options: Map<string, string | true>;
  positionals: string[];
  help: boolean;
}

/** The command line does not match the verb's usage; main prints calicoctl's "Invalid option" line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Parse a verb's arguments against its option specs (`-h/--help` is always accepted).
 * @example parseArgs(['-f', 'p.yaml'], [{ long: 'filename', short: 'f', value: true }]).options.get('filename') // 'p.yaml'
 */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short as string, s]));
  const options = new Map<string, string | true>();
  const positionals: string[] = [];
  let help = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const spec = byLong.get(name);
      if (spec === undefined) throw new UsageError(`unknown option --${name}`);
      if (spec.value) {
        let val: string | undefined;
        if (eq !== -1) val = arg.slice(eq + 1);
        else val = argv[++i];
        if (val === undefined) throw new UsageError(`option --${name} needs a value`);
        options.set(spec.long, val);
      } else {
        if (eq !== -1) throw new UsageError(`option --${name} takes no value`);
        options.set(spec.long, true);
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // Bundled shorts: every letter but a value option's must be a flag; a value option takes the rest.
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        const spec = byShort.get(letter);
        if (spec === undefined) throw new UsageError(`unknown option -${letter}`);
        if (spec.value) {
          let val = arg.slice(j + 1);
          if (val.startsWith('=')) val = val.slice(1);
          if (val === '') {
            const next = argv[++i];
            if (next === undefined) throw new UsageError(`option -${letter} needs a value`);
            val = next;
          }
          options.set(spec.long, val);
          break;
        }
        options.set(spec.long, true);
      }
      continue;
    }
    positionals.push(arg);
  }
  return { options, positionals, help };
}

/** A value option, or undefined when absent. */
export function optString(parsed: ParsedArgs, long: string): string | undefined {
  const v = parsed.options.get(long);
  return typeof v === 'string' ? v : undefined;
}

/** Whether a flag was given. */
export function optFlag(parsed: ParsedArgs, long: string): boolean {
  return parsed.options.get(long) === true;
}

/** Options every datastore-backed verb accepts, as calicoctl's usage lines list them. */
export const CONFIG_OPTIONS: readonly OptionSpec[] = [
  { long: 'config', short: 'c', value: true },
  { long: 'context', value: true },
  { long: 'allow-version-mismatch' },
];

/** `-f/--filename`, `-R/--recursive`, `--skip-empty`. */
export const FILE_OPTIONS: readonly OptionSpec[] = [
  { long: 'filename', short: 'f', value: true },
  { long: 'recursive', short: 'R' },
  { long: 'skip-empty' },
];
