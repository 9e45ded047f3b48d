/**
 * How calicoctl fills in and checks a resource's namespace from `-n` / `-A` (common.handleNamespace):
 * namespaced kinds default to `default`; cluster-scoped kinds refuse any namespace.
 */
import type { Resource } from '../api/types.js';

export interface NamespaceFlags {
  /** `-n/--namespace`, or '' when not given. */
  namespace: string;
  allNamespaces: boolean;
}

/**
 * Set `resource.metadata.namespace` as calicoctl would (mutates), or throw with calicoctl's message.
 * With `-A` on a namespaced kind the namespace becomes '' (meaning: list every namespace).
 */
export function applyNamespace(resource: Resource, namespaced: boolean, flags: NamespaceFlags): void {
  const cliNs = flags.namespace;
  const resNs = resource.metadata.namespace ?? '';
  if (namespaced) {
    if (flags.allNamespaces && cliNs !== '') {
      throw new Error('cannot use both --namespace and --all-namespaces flags at the same time');
    }
    if (resNs === '' && cliNs !== '') resource.metadata.namespace = cliNs;
    else if (resNs !== '' && flags.allNamespaces) resource.metadata.namespace = '';
    else if (resNs === '' && flags.allNamespaces) resource.metadata.namespace = '';
    else if (resNs === '' && cliNs === '') resource.metadata.namespace = 'default';
    else if (resNs !== '' && cliNs !== '' && resNs !== cliNs) {
      throw new Error(`resource namespace does not match client namespace. ${resNs} != ${cliNs}`);
    }
    return;
  }
  if (resNs !== '') {
    throw new Error(
      `namespace should not be specified for a non-namespaced resource. ${resource.kind} is not a namespaced resource`,
    );
  }
  if (flags.allNamespaces || cliNs !== '') throw new Error(`${resource.kind} is not namespaced`);
  delete resource.metadata.namespace;
}
