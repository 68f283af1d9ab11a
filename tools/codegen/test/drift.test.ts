/** The committed generated code is exactly what the generator makes from Kafka's schemas. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { generate } from '../src/generate.ts';
import { defaultSchemaDir, outputDir } from '../src/main.ts';

it('packages/protocol/src/generated matches `npm run generate`', () => {
  assert.ok(existsSync(defaultSchemaDir), `needs Kafka's schemas at ${defaultSchemaDir}`);
  const files = generate(defaultSchemaDir);
  const committed = readdirSync(outputDir).filter((f) => f.endsWith('.ts')).sort();
  assert.deepEqual(committed, [...files.keys()].sort(), 'generated file set differs: run `npm run generate`');
  for (const [name, text] of files) {
    assert.ok(readFileSync(join(outputDir, name), 'utf8') === text, `${name} drifted from its schema: run \`npm run generate\``);
  }
});
