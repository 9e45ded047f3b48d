/**
 * argv to run one of our own entry points (the agent, the pod server, the prober) as a new process,
 * whether this code runs compiled (dist/…/*.js) or from TypeScript under tsx.
 */
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(import.meta.url).endsWith('.js');

/** `relative` is from src/lab/, without extension, e.g. `../node/main` or `./pod-server`. */
export function entryArgv(relative: string): string[] {
  const file = fileURLToPath(new URL(`${relative}${compiled ? '.js' : '.ts'}`, import.meta.url));
  return compiled ? [process.execPath, file] : [process.execPath, '--import', import.meta.resolve('tsx'), file];
}
