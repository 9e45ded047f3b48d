export { checkCommand } from './check.js';
export { configureCommand } from './configure.js';
export { releaseCommand } from './release.js';
export { showCommand } from './show.js';

import type { CommandModule } from '../../types.js';
import { checkCommand } from './check.js';
import { configureCommand } from './configure.js';
import { releaseCommand } from './release.js';
import { showCommand } from './show.js';

/** The `calicoctl ipam` verbs, for main's command table. */
export const ipamCommands: CommandModule[] = [showCommand, checkCommand, releaseCommand, configureCommand];
