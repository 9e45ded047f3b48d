import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlreadyExistsError, ValidationError } from '../lib/errors.js';
import { errorText, formatErrors } from './results.js';

const pool = { kind: 'IPPool', name: 'p1' };

test('a single one-line error keeps calicoctl\'s bracketed form (bare for replace)', () => {
  const e = new ValidationError(pool, [{ field: 'spec.cidr', message: 'invalid CIDR', value: 'x' }]);
  assert.equal(formatErrors([e]), ' [error with field IPPool(p1): spec.cidr: invalid CIDR (value "x")]');
  assert.equal(formatErrors([e], true), ' error with field IPPool(p1): spec.cidr: invalid CIDR (value "x")');
});

test('several errors are listed one per line and repeated ones are dropped', () => {
  const a = new AlreadyExistsError({ kind: 'IPPool', name: 'a' });
  const b = new AlreadyExistsError({ kind: 'IPPool', name: 'b' });
  const again = new AlreadyExistsError({ kind: 'IPPool', name: 'a' });
  assert.equal(
    formatErrors([a, b, again]),
    '\n-  resource already exists: IPPool(a)\n-  resource already exists: IPPool(b)',
  );
});

test('a validation error with several fields gets one line per distinct field', () => {
  const e = new ValidationError(pool, [
    { field: 'spec.cidr', message: 'invalid CIDR', value: 'x' },
    { field: 'spec.blockSize', message: 'too big', value: 40 },
    { field: 'spec.cidr', message: 'invalid CIDR', value: 'x' },
  ]);
  assert.equal(
    errorText(e),
    'error with the following fields of IPPool(p1):\n-  spec.cidr: invalid CIDR (value "x")\n-  spec.blockSize: too big (value 40)',
  );
  assert.equal(
    formatErrors([e]),
    '\n-  error with the following fields of IPPool(p1):\n   -  spec.cidr: invalid CIDR (value "x")\n   -  spec.blockSize: too big (value 40)',
  );
});
