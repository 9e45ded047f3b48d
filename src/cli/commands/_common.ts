/**
 * Pieces the resource verbs share: their option specs, usage fragments and turning parsed options
 * into a Selection for the executor.
 */
import { CONFIG_OPTIONS, FILE_OPTIONS, optFlag, optString, type OptionSpec, type ParsedArgs } from '../args.js';
import type { Selection } from '../executor.js';

export const NAMESPACE_OPTION: OptionSpec = { long: 'namespace', short: 'n', value: true };

export const RESOURCE_OPTIONS: readonly OptionSpec[] = [...FILE_OPTIONS, ...CONFIG_OPTIONS, NAMESPACE_OPTION];

/** The kinds calicoctl's usage texts list. */
export const RESOURCE_LIST = `    * bgpConfiguration
    * bgpFilter
    * bgpPeer
    * clusterInformation
    * felixConfiguration
    * globalNetworkPolicy
    * globalNetworkSet
    * hostEndpoint
    * ipamConfiguration
    * ipPool
    * ipReservation
    * kubeControllersConfiguration
    * networkPolicy
    * networkSet
    * node
    * profile
    * stagedGlobalNetworkPolicy
    * stagedKubernetesNetworkPolicy
    * stagedNetworkPolicy
    * tier
    * workloadEndpoint
`;

export const CONFIG_OPTION_HELP = `  -c --config=<CONFIG>         Path to a CalicoAPIConfig file (YAML or JSON) saying which
                               datastore to use. [default: /etc/calico/calicoctl.cfg]
                               DATASTORE_TYPE, CALICO_DATA_DIR and ETCD_ENDPOINTS override it.
     --context=<context>       Accepted for compatibility; there is no kubeconfig here.
     --allow-version-mismatch  Proceed even if this client's version differs from the cluster's.`;

export const NAMESPACE_OPTION_HELP = `  -n --namespace=<NS>          Namespace of the resources. Only for NetworkPolicy,
                               StagedNetworkPolicy, StagedKubernetesNetworkPolicy, NetworkSet
                               and WorkloadEndpoint; "default" when not given.`;

export function fileOptionHelp(verb: string): string {
  return `  -f --filename=<FILENAME>     File to ${verb} the resources from; "-" reads stdin. A directory
                               means every .yaml, .yml and .json file in it, in name order.
  -R --recursive               With a directory, descend into sub-directories too.
     --skip-empty              Succeed even when the files hold no resources.`;
}

/** Selection from parsed options; positionals are `KIND NAME…` when no `-f` was given. */
export function selectionFrom(parsed: ParsedArgs, opts: { allNamespaces?: boolean } = {}): Selection {
  const [kind, ...names] = parsed.positionals;
  return {
    filename: optString(parsed, 'filename'),
    recursive: optFlag(parsed, 'recursive'),
    skipEmpty: optFlag(parsed, 'skip-empty'),
    kind,
    names,
    namespace: optString(parsed, 'namespace') ?? '',
    allNamespaces: opts.allNamespaces ?? false,
    allowVersionMismatch: optFlag(parsed, 'allow-version-mismatch'),
  };
}
