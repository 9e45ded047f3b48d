/**
 * calicoctl's command table. Modules load on demand, so `calicoctl version --client` never pays for
 * the policy evaluator or IPAM. A group (`ipam`) loads all its verbs and main picks one by its words.
 */
import type { CommandModule } from './types.js';

export interface CommandGroup {
  /** Leading words that select this entry: `['apply']`, `['ipam']`, `['policy', 'trace']`. */
  words: readonly string[];
  /** One line for the top-level usage. */
  summary: string;
  /** Our resource verbs accept `--allow-version-mismatch`; main passes the global flag on to them. */
  takesVersionFlag: boolean;
  load(): Promise<CommandModule[]>;
}

export const COMMANDS: readonly CommandGroup[] = [
  {
    words: ['create'],
    summary: 'Create a resource by file, directory or stdin.',
    takesVersionFlag: true,
    load: async () => [(await import('./commands/create.js')).createCommand],
  },
  {
    words: ['replace'],
    summary: 'Replace a resource by file, directory or stdin.',
    takesVersionFlag: true,
    load: async () => [(await import('./commands/replace.js')).replaceCommand],
  },
  {
    words: ['apply'],
    summary: 'Apply a resource by file, directory or stdin.  This creates a resource\n                 if it does not exist, and replaces a resource if it does exists.',
    takesVersionFlag: true,
    load: async () => [(await import('./commands/apply.js')).applyCommand],
  },
  {
    words: ['patch'],
    summary: 'Patch a preexisting resource in place.',
    takesVersionFlag: true,
    load: async () => [(await import('./commands/patch.js')).patchCommand],
  },
  {
    words: ['delete'],
    summary: 'Delete a resource identified by file, directory, stdin or resource type and\n                 name.',
    takesVersionFlag: true,
    load: async () => [(await import('./commands/delete.js')).deleteCommand],
  },
  {
    words: ['get'],
    summary: 'Get a resource identified by file, directory, stdin or resource type and\n                 name.',
    takesVersionFlag: true,
    load: async () => [(await import('./commands/get.js')).getCommand],
  },
  {
    words: ['label'],
    summary: 'Add or update labels of resources.',
    takesVersionFlag: true,
    load: async () => [(await import('./commands/label.js')).labelCommand],
  },
  {
    words: ['validate'],
    summary: 'Validate a resource by file, directory or stdin without applying it.',
    takesVersionFlag: true,
    load: async () => [(await import('./commands/validate.js')).validateCommand],
  },
  {
    words: ['ipam'],
    summary: 'IP address management.',
    takesVersionFlag: false,
    load: async () => (await import('./commands/ipam/index.js')).ipamCommands,
  },
  {
    words: ['policy', 'trace'],
    summary: 'Explain which policies allow or deny a packet between two endpoints.',
    takesVersionFlag: true,
    load: async () => [(await import('./commands/policy-trace.js')).policyTraceCommand],
  },
  {
    words: ['version'],
    summary: 'Display the version of this binary.',
    takesVersionFlag: true,
    load: async () => [(await import('./commands/version.js')).versionCommand],
  },
];

/** The entry whose words lead `args` (longest match), or undefined. */
export function findGroup(args: readonly string[]): CommandGroup | undefined {
  let best: CommandGroup | undefined;
  for (const g of COMMANDS) {
    if (g.words.every((w, i) => args[i] === w) && (best === undefined || g.words.length > best.words.length)) best = g;
  }
  return best;
}

/** Among a group's modules, the one whose name leads `args` (longest match), or undefined. */
export function findModule(modules: readonly CommandModule[], args: readonly string[]): CommandModule | undefined {
  let best: CommandModule | undefined;
  for (const m of modules) {
    if (m.name.every((w, i) => args[i] === w) && (best === undefined || m.name.length > best.name.length)) best = m;
  }
  return best;
}

/** Usage of a group such as `ipam` when no verb of it was named. */
export function groupUsage(group: CommandGroup, modules: readonly CommandModule[]): string {
  const words = group.words.join(' ');
  const verbs = modules.map((m) => `    ${m.name.slice(group.words.length).join(' ')}`).join('\n');
  return `Usage:\n  calicoctl ${words} <command> [<args>...]\n\n${verbs}\n\nOptions:\n  -h --help               Show this screen.\n\nDescription:\n  ${group.summary}\n\n  See 'calicoctl ${words} <command> --help' to read about a specific subcommand.\n`;
}
