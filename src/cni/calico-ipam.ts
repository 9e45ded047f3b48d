#!/usr/bin/env node
/**
 * `calico-ipam`: Calico's CNI IPAM plugin, over the same datastore as the calico plugin.
 */
import { runPlugin } from './plugin-main.js';

void runPlugin('calico-ipam');
