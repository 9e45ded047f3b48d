/**
 * Golden tests over the manifest fixtures:
 * - valid/<name>.yaml|json is parsed and prepared (convert, default, validate) and must print exactly as
 *   valid/<name>.expected.yaml — the form `calicoctl get -o yaml` shows after Calico stores it;
 * - invalid/<name>.yaml names the offending field in a `# field:` header, and prepareResource must reject it
 *   with a ValidationError naming that field (in `fields` and in the message);
 * - invalid-parse/<name> must fail in parseManifests with a ParseError at the `# error:` location.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseManifests, ParseError, prepareResource, toYAML, validateResource } from '../../src/api/index.js';
import { ValidationError } from '../../src/lib/errors.js';
import { repoPath } from '../helpers/paths.js';

const VALID = repoPath('test/fixtures/api/valid');
const INVALID = repoPath('test/fixtures/api/invalid');
const INVALID_PARSE = repoPath('test/fixtures/api/invalid-parse');

function read(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

test('valid fixtures prepare to their golden defaulted form', async (t) => {
  const inputs = readdirSync(VALID).filter((f) => !f.includes('.expected.')).sort();
  assert.ok(inputs.length >= 30, `expected at least 30 valid fixtures, found ${inputs.length}`);
  for (const name of inputs) {
    await t.test(name, () => {
      const resources = parseManifests(read(VALID, name), name).map((r) => prepareResource(r));
      const expected = read(VALID, name.replace(/\.(yaml|json)$/, '.expected.yaml'));
      assert.equal(toYAML(resources), expected);
      // Stored form is a fixed point: reading it back and preparing again changes nothing.
      const again = parseManifests(expected, 'expected').map((r) => prepareResource(r, { allowKubernetesPolicyNames: true }));
      assert.deepEqual(again, resources);
      for (const r of resources) assert.deepEqual(validateResource(r), []);
    });
  }
});

test('invalid fixtures are rejected naming the field', async (t) => {
  const inputs = readdirSync(INVALID).sort();
  assert.ok(inputs.length >= 70, `expected at least 70 invalid fixtures, found ${inputs.length}`);
  for (const name of inputs) {
    await t.test(name, () => {
      const text = read(INVALID, name);
      const field = /^# field: (.+)$/m.exec(text)?.[1];
      assert.ok(field, `${name} has no "# field:" header`);
      const resources = parseManifests(text, name);
      assert.equal(resources.length, 1, 'one invalid resource per fixture');
      assert.throws(
        () => prepareResource(resources[0]!),
        (e: unknown) => {
          assert.ok(e instanceof ValidationError, `expected ValidationError, got ${String(e)}`);
          const fields = e.fields.map((f) => f.field);
          assert.ok(fields.includes(field), `expected field ${field}, got ${fields.join(', ')}`);
          assert.ok(e.message.includes(field), `message should name ${field}: ${e.message}`);
          assert.ok(e.message.includes(`${e.resource?.kind}(${e.resource?.namespace ? `${e.resource.namespace}/` : ''}${e.resource?.name})`));
          return true;
        },
      );
    });
  }
});

test('invalid manifests fail to parse with their location', async (t) => {
  for (const name of readdirSync(INVALID_PARSE).sort()) {
    await t.test(name, () => {
      const text = read(INVALID_PARSE, name);
      const header = /^# error: document (\d+)(?:, line (\d+))?$/m.exec(text);
      const document = header ? Number(header[1]) : 1;
      const line = header?.[2] === undefined ? undefined : Number(header[2]);
      assert.throws(
        () => parseManifests(text, name),
        (e: unknown) => {
          assert.ok(e instanceof ParseError, `expected ParseError, got ${String(e)}`);
          assert.equal(e.source, name);
          assert.equal(e.document, document);
          if (line !== undefined) assert.equal(e.line, line);
          assert.ok(e.message.includes(`"${name}"`) && e.message.includes(`document ${document}`), e.message);
          return true;
        },
      );
    });
  }
});
