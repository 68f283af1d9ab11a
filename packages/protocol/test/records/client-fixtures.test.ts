import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CompressionType, compressionName } from '../../src/compression/compression-type.ts';
import { buildRecordBatch } from '../../src/records/record-batch-builder.ts';
import { RecordBatch } from '../../src/records/record-batch.ts';
import { LegacyEntry } from '../../src/records/legacy-message-set.ts';
import { walkRecordEntries } from '../../src/records/record-entries.ts';
import { validateRecordBatches } from '../../src/records/batch-validation.ts';

/**
 * Bytes written by real clients' own encoders (see tools/capture-records), decoded here and
 * compared with what the capture script put in. librdkafka fixtures will come through the
 * broker (its encoder is not reachable without one) and belong beside these.
 */
const root = join(import.meta.dirname, '..', 'fixtures', 'records');

interface ExpectedRecord { offset: string; timestamp: string; key: string | null; value: string | null; headers: { key: string; value: string | null }[] }
interface ExpectedEntry { magic: number; compression: string; offset: string; recordCount?: number; producerId?: string; producerEpoch?: number; baseSequence?: number; transactional?: boolean }
interface Fixture { client: string; description: string; entries: ExpectedEntry[]; records: ExpectedRecord[] }

const b64 = (b: Buffer | null): string | null => (b === null ? null : b.toString('base64'));

describe('record fixtures from real clients', () => {
  for (const client of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    describe(client, () => {
      const names = readdirSync(join(root, client)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
      it('has fixtures', () => assert.ok(names.length > 0));
      for (const name of names) {
        it(name, () => {
          const fixture = JSON.parse(readFileSync(join(root, client, `${name}.json`), 'utf8')) as Fixture;
          const blob = readFileSync(join(root, client, `${name}.bin`));
          const entries = [...walkRecordEntries(blob)];
          assert.equal(entries.length, fixture.entries.length, 'entry count');
          const got: ExpectedRecord[] = [];
          entries.forEach((e, i) => {
            const want = fixture.entries[i]!;
            assert.equal(e.magic, want.magic, `entry ${i} magic`);
            assert.equal(e.offset, BigInt(want.offset), `entry ${i} offset`);
            if (e.magic === 2) {
              const batch = new RecordBatch(blob, e.position);
              batch.ensureValid();
              assert.equal(compressionName(batch.compression), want.compression, `entry ${i} compression`);
              assert.equal(batch.recordCount, want.recordCount);
              assert.equal(batch.producerId, BigInt(want.producerId!));
              assert.equal(batch.producerEpoch, want.producerEpoch);
              assert.equal(batch.baseSequence, want.baseSequence);
              assert.equal(batch.isTransactional, want.transactional);
              for (const r of batch.records()) {
                got.push({ offset: String(r.offset), timestamp: String(r.timestamp), key: b64(r.key), value: b64(r.value),
                  headers: r.headers.map((h) => ({ key: h.key, value: b64(h.value) })) });
              }
            } else {
              const entry = new LegacyEntry(blob, e.position);
              entry.ensureValid();
              assert.equal(compressionName(entry.compression), want.compression, `entry ${i} compression`);
              for (const r of entry.records()) {
                got.push({ offset: String(r.offset), timestamp: String(r.timestamp), key: b64(r.key), value: b64(r.value), headers: [] });
              }
            }
          });
          assert.deepEqual(got, fixture.records);
          if (entries.every((e) => e.magic === 2)) {
            const info = validateRecordBatches(blob);
            assert.equal(info.recordCount, fixture.records.length);
            assert.equal(info.validBytes, blob.length);
          }
        });
      }
    });
  }

  it('kafka-python 2.0.2 reads batches we build, with every codec', () => {
    // .ci/run installs python3-kafka and its codec modules python3-snappy, python3-lz4, python3-zstandard.
    assert.doesNotThrow(() => execFileSync('/usr/bin/python3', ['-c', 'import kafka, snappy, lz4.frame, zstandard'], { stdio: 'ignore' }),
      'python3-kafka, python3-snappy, python3-lz4 and python3-zstandard must be installed');
    const codecs = [CompressionType.none, CompressionType.gzip, CompressionType.snappy, CompressionType.lz4, CompressionType.zstd];
    const blob = Buffer.concat(codecs.map((c, i) => buildRecordBatch([
      { key: `k${i}`, value: `value ${i} `.repeat(20), timestamp: 1763740800000 + i, headers: [{ key: 'h', value: null }, { key: 'ü', value: 'x' }] },
      { key: null, value: null, timestamp: 1763740800000 - i },
    ], { compression: c, baseOffset: BigInt(i * 2) })));
    const script = [
      'import sys, json',
      'from kafka.record import MemoryRecords',
      'mr = MemoryRecords(sys.stdin.buffer.read())',
      'out = []',
      'while True:',
      '    b = mr.next_batch()',
      '    if b is None: break',
      '    assert b.validate_crc()',
      '    for r in b:',
      '        out.append([b.compression_type, r.offset, r.timestamp, r.key and r.key.decode(), r.value and r.value.decode()[:9],',
      '                    [[k, v and v.decode()] for k, v in r.headers]])',
      'print(json.dumps(out))',
    ].join('\n');
    const out = execFileSync('/usr/bin/python3', ['-c', script], { input: blob, encoding: 'utf8' });
    const expected = codecs.flatMap((c, i) => [
      [c, i * 2, 1763740800000 + i, `k${i}`, `value ${i} `.repeat(20).slice(0, 9), [['h', null], ['ü', 'x']]],
      [c, i * 2 + 1, 1763740800000 - i, null, null, []],
    ]);
    assert.deepEqual(JSON.parse(out), expected);
  });
});
