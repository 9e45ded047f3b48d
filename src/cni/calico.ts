#!/usr/bin/env node
/**
 * `calico`: Calico's CNI network plugin (ADD, DEL, CHECK, VERSION, STATUS, GC).
 * Kept to one import so start-up loads only what the command needs.
 */
import { runPlugin } from './plugin-main.js';

void runPlugin('calico');
