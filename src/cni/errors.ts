/**
 * Mapping anything thrown inside a plugin to the CNI error it prints (one place, at the process
 * boundary), plus the test hook that holds ADD at named points.
 */
import { CNI_ERR, CniError } from './types.js';

/** CalicoError codes -> CNI codes: bad input is config (7), contention/unreachable is retryable (11). */
export function toCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  const code = (err as { code?: unknown })?.code;
  const msg = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'CALICO_ERR_VALIDATION':
    case 'CALICO_ERR_PARSE':
      return new CniError(CNI_ERR.INVALID_NETWORK_CONFIG, msg);
    case 'CALICO_ERR_DATASTORE':
    case 'CALICO_ERR_CONFLICT':
    case 'ECONNREFUSED':
    case 'ETIMEDOUT':
    case 'SQLITE_BUSY':
      return new CniError(CNI_ERR.TRY_AGAIN_LATER, msg);
    default:
      return new CniError(CNI_ERR.INTERNAL, msg);
  }
}

/**
 * Test hook: with CALICO_CNI_TEST_HOLD_AT=<point>, the plugin reports `calico: holding at <point>`
 * on stderr and waits forever there, so a test can SIGKILL it at that exact step. Points are
 * named in add.ts. Costs one env lookup per point otherwise.
 */
export async function holdPoint(point: string, env: NodeJS.ProcessEnv): Promise<void> {
  if (env.CALICO_CNI_TEST_HOLD_AT !== point) return;
  process.stderr.write(`calico: holding at ${point}\n`);
  await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
}
