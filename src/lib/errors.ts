/**
 * Errors that cross module boundaries. Each has a stable `code` so that callers
 * (calicoctl, the CNI plugin, the agent) can map them to exit codes or CNI error
 * codes in one place, without matching on message text.
 */
export type ErrorCode =
  | 'CALICO_ERR_NOT_FOUND'
  | 'CALICO_ERR_ALREADY_EXISTS'
  | 'CALICO_ERR_CONFLICT'
  | 'CALICO_ERR_VALIDATION'
  | 'CALICO_ERR_PARSE'
  | 'CALICO_ERR_DATASTORE'
  | 'CALICO_ERR_REVISION_TOO_OLD'
  | 'CALICO_ERR_IPAM_POOL_EXHAUSTED'
  | 'CALICO_ERR_IPAM_BLOCK_LIMIT'
  | 'CALICO_ERR_INVARIANT';

export interface ResourceRef {
  kind: string;
  name: string;
  namespace?: string;
}

export class CalicoError extends Error {
  readonly code: ErrorCode;
  readonly resource: ResourceRef | undefined;
  constructor(code: ErrorCode, message: string, options?: { resource?: ResourceRef; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CalicoError';
    this.code = code;
    this.resource = options?.resource;
  }
}

/** Human form of a resource reference, as calicoctl prints it: `NetworkPolicy(ns1/allow-dns)`. */
export function describeRef(ref: ResourceRef): string {
  return `${ref.kind}(${ref.namespace ? `${ref.namespace}/` : ''}${ref.name})`;
}

export class NotFoundError extends CalicoError {
  constructor(ref: ResourceRef) {
    super('CALICO_ERR_NOT_FOUND', `resource does not exist: ${describeRef(ref)}`, { resource: ref });
    this.name = 'NotFoundError';
  }
}

export class AlreadyExistsError extends CalicoError {
  constructor(ref: ResourceRef) {
    super('CALICO_ERR_ALREADY_EXISTS', `resource already exists: ${describeRef(ref)}`, { resource: ref });
    this.name = 'AlreadyExistsError';
  }
}

/** Compare-and-swap failed: the stored resourceVersion is not the one the caller read. */
export class ConflictError extends CalicoError {
  constructor(ref: ResourceRef, detail = 'update conflict') {
    super('CALICO_ERR_CONFLICT', `${detail}: ${describeRef(ref)}`, { resource: ref });
    this.name = 'ConflictError';
  }
}

/** One failed validation rule: the field path uses Calico's JSON names, e.g. `spec.ingress[0].protocol`. */
export interface FieldError {
  field: string;
  message: string;
  value?: unknown;
}

export class ValidationError extends CalicoError {
  readonly fields: FieldError[];
  constructor(ref: ResourceRef, fields: FieldError[]) {
    const detail = fields
      .map((f) => `${f.field}: ${f.message}${f.value === undefined ? '' : ` (value ${JSON.stringify(f.value)})`}`)
      .join('; ');
    super('CALICO_ERR_VALIDATION', `error with field ${describeRef(ref)}: ${detail}`, { resource: ref });
    this.name = 'ValidationError';
    this.fields = fields;
  }
}

/** A watch asked for a revision the datastore no longer keeps history for: list again, then watch. */
export class RevisionTooOldError extends CalicoError {
  readonly requested: number;
  readonly oldest: number;
  constructor(requested: number, oldest: number) {
    super('CALICO_ERR_REVISION_TOO_OLD', `revision ${requested} is too old (oldest kept is ${oldest}): relist`);
    this.name = 'RevisionTooOldError';
    this.requested = requested;
    this.oldest = oldest;
  }
}

export class InvariantError extends CalicoError {
  constructor(message: string) {
    super('CALICO_ERR_INVARIANT', message);
    this.name = 'InvariantError';
  }
}
