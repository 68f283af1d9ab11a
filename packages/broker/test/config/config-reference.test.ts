import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderConfigReference } from '../../src/config/config-reference.ts';
import { brokerConfigEntries, topicConfigEntries } from '../../src/config/config-table.ts';

describe('renderConfigReference', () => {
  const reference = renderConfigReference();

  it('documents every key with its doc line', () => {
    for (const [name, key] of [...brokerConfigEntries, ...topicConfigEntries]) {
      assert.ok(key.doc.trim() !== '', `${name} lacks a doc`);
      assert.ok(reference.includes(`\n### ${name}\n\n${key.doc}\n`), `${name} is not documented in the reference`);
    }
  });

  it('gives type, default, valid values and update mode of broker keys', () => {
    assert.ok(reference.includes('### log.segment.bytes\n'));
    assert.match(reference, /\| int \| `1073741824` \| at least 14 \| high \| cluster-wide \|/);
    assert.match(reference, /\| list \| `PLAINTEXT:\/\/127\.0\.0\.1:9092` \|  \| high \| per-broker \|/);
    assert.match(reference, /\| password \| null \|/);
    assert.match(reference, /Environment variable: `SAMSA_LOG_DIRS`/);
    assert.match(reference, /Differs from Kafka: Kafka defaults to PLAINTEXT:\/\/:9092/);
  });

  it('gives the broker keys behind each topic key', () => {
    assert.match(reference, /### retention\.ms\n[^#]*`log\.retention\.ms`, `log\.retention\.minutes`, `log\.retention\.hours`/);
    assert.match(reference, /### leader\.replication\.throttled\.replicas\n[^#]*\(none\)/);
  });

  it('is valid enough Markdown: every table row has as many cells as its header', () => {
    const lines = reference.split('\n');
    for (let at = 0; at < lines.length; at++) {
      const line = lines[at] ?? '';
      if (!line.startsWith('| ---')) continue;
      const columns = (lines[at - 1] ?? '').split(' | ').length;
      assert.equal((lines[at + 1] ?? '').replaceAll('\\|', '').split(' | ').length, columns, lines[at + 1]);
    }
  });
});
