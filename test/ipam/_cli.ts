/** Runs an ipam verb in-process against a datastore, capturing its output. */
import type { Datastore } from '../../src/datastore/types.js';
import type { CliContext, CommandModule } from '../../src/cli/types.js';

export async function runVerb(cmd: CommandModule, argv: string[], ds: Datastore): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    datastore: async () => ds,
    datastoreConfig: { type: 'memory' },
    readStdin: async () => '',
    env: {},
  };
  const code = await cmd.run(argv, ctx);
  return { code, stdout, stderr };
}
