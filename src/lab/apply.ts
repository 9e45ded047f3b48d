/** Writing resources the way calicoctl does, for the lab's own datastore objects. */
import { prepareResource } from '../api/index.js';
import type { Resource } from '../api/types.js';
import type { Datastore } from '../datastore/types.js';
import { NotFoundError } from '../lib/errors.js';

/** Write a resource the way calicoctl apply does (convert, default, validate, create or replace). */
export async function applyResource(ds: Datastore, raw: Resource): Promise<Resource> {
  const r = prepareResource(raw);
  try {
    await ds.get({ kind: r.kind, name: r.metadata.name, ...(r.metadata.namespace ? { namespace: r.metadata.namespace } : {}) });
  } catch (err) {
    if (err instanceof NotFoundError) return ds.create(r);
    throw err;
  }
  const { resourceVersion: _rv, ...metadata } = r.metadata;
  return ds.update({ ...r, metadata });
}

export async function deleteIfPresent(ds: Datastore, key: { kind: string; name: string; namespace?: string }): Promise<void> {
  try {
    await ds.delete(key);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}
