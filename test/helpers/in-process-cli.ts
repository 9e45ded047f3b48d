/**
 * Runs one calicoctl verb in-process against a datastore the test already holds, capturing its output,
 * for tests that check a command's logic without paying a process start per call.
 */
import type { CliContext, CommandModule } from '../../src/cli/types.js';
import type { Datastore } from '../../src/datastore/types.js';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCommandInProcess(cmd: CommandModule, argv: string[], ds: Datastore): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    datastore: async () => ds,
    // Only read by commands that open their own datastore, which these never do: `datastore()` is given.
    datastoreConfig: { type: 'memory' },
    readStdin: async () => '',
    env: {},
  };
  const code = await cmd.run(argv, ctx);
  return { code, stdout, stderr };
}
