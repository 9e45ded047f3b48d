/** Runs an ipam verb in-process against a datastore, capturing its output. */
export { runCommandInProcess as runVerb } from '../helpers/in-process-cli.js';
