#!/usr/bin/env node
/**
 * `calico-ipam`, as installed: runs the bundled plugin (calico-ipam.main.cjs beside this file) through V8's code
 * cache (see code-cache.ts). Built by scripts/bundle-cni.mjs.
 */
import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from './code-cache.js';

runWithCodeCache(fileURLToPath(new URL('./calico-ipam.main.cjs', import.meta.url)), process.env.CNI_COMMAND ?? '');
