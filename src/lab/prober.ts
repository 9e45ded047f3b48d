#!/usr/bin/env node
/**
 * Runs inside one source pod's netns and prints one JSON object `{"<target id>|tcp:80": true, ...}`.
 * Used for pods that run no server (the pod server answers probe requests itself).
 * Usage: prober <timeout ms> '<json [{id, ip}]>' '<json [{protocol, port}]>'
 */
import { runProbes } from './probe-client.js';

const [timeoutText = '1000', targetsJson = '[]', portsJson = '[]'] = process.argv.slice(2);
const result = await runProbes({ timeoutMs: Number(timeoutText), targets: JSON.parse(targetsJson), ports: JSON.parse(portsJson) });
process.stdout.write(`${JSON.stringify(result)}\n`);
