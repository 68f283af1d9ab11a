import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { CompressionType } from '../../src/compression/compression-type.ts';
import { snappyDecompress } from '../../src/compression/snappy.ts';
import { Attributes, BatchOffsets, validateBatch } from '../../src/records/batch-header.ts';
import { buildRecordBatch } from '../../src/records/record-batch-builder.ts';
import { RecordBatch } from '../../src/records/record-batch.ts';

const require = createRequire(import.meta.url);

interface KafkajsRecord { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[]> }
interface KafkajsBatch { firstOffset: string; producerId: string; inTransaction: boolean; records: KafkajsRecord[] }

/** kafkajs's own fetch-path batch decoder, to check that a real client reads our bytes. */
async function kafkajsDecode(bytes: Buffer): Promise<KafkajsBatch> {
  const kafkajs = require('kafkajs') as { CompressionTypes: Record<string, number>; CompressionCodecs: Record<number, unknown> };
  kafkajs.CompressionCodecs[kafkajs.CompressionTypes['Snappy']!] = require('kafkajs-snappy');
  const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
  const decode = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (d: unknown) => Promise<KafkajsBatch>;
  return decode(new Decoder(bytes));
}

describe('buildRecordBatch', () => {
  it('writes the header fields it is given and a CRC that validates', () => {
    const bytes = buildRecordBatch([{ key: 'k', value: 'v', timestamp: 1000 }, { value: 'w', timestamp: 900 }], {
      baseOffset: 7n, partitionLeaderEpoch: 4, producerId: 99n, producerEpoch: 3, baseSequence: 12, transactional: true,
    });
    assert.equal(validateBatch(bytes), bytes.length);
    const b = new RecordBatch(bytes);
    assert.equal(b.baseOffset, 7n);
    assert.equal(b.partitionLeaderEpoch, 4);
    assert.equal(b.producerId, 99n);
    assert.equal(b.producerEpoch, 3);
    assert.equal(b.baseSequence, 12);
    assert.equal(b.lastSequence, 13);
    assert.equal(b.attributes, Attributes.TRANSACTIONAL);
    assert.equal(b.baseTimestamp, 1000n, 'the first record sets the base, as the Java producer does');
    assert.equal(b.maxTimestamp, 1000n);
    assert.deepEqual(b.toArray().map((r) => r.timestampDelta), [0, -100]);
  });

  it('defaults: no producer, no sequence, epoch -1, CreateTime, not compressed', () => {
    const b = new RecordBatch(buildRecordBatch([{ value: 'v' }]));
    assert.equal(b.producerId, -1n);
    assert.equal(b.producerEpoch, -1);
    assert.equal(b.baseSequence, -1);
    assert.equal(b.lastSequence, -1);
    assert.equal(b.attributes, 0);
    assert.equal(b.hasProducerId, false);
  });

  it('keeps offset deltas with gaps (compacted batches) and an empty batch with its span', () => {
    const b = new RecordBatch(buildRecordBatch([{ value: 'a', offsetDelta: 0 }, { value: 'c', offsetDelta: 5 }], { baseOffset: 10n }));
    assert.equal(b.lastOffsetDelta, 5);
    assert.deepEqual(b.toArray().map((r) => r.offset), [10n, 15n]);
    const empty = new RecordBatch(buildRecordBatch([], { baseOffset: 20n, lastOffsetDelta: 9, baseTimestamp: 5, maxTimestamp: 6 }));
    assert.equal(empty.recordCount, 0);
    assert.equal(empty.nextOffset, 30n);
    assert.deepEqual(empty.toArray(), []);
    assert.equal(empty.sizeInBytes, 61);
    // Codec bits on an empty section (no bytes to inflate) still read as no records.
    const emptyGzip = buildRecordBatch([], { lastOffsetDelta: 0 });
    emptyGzip.writeInt16BE(CompressionType.gzip, BatchOffsets.attributes);
    assert.deepEqual(new RecordBatch(emptyGzip).toArray(), []);
  });

  it('sets the delete-horizon bit and stores the horizon as baseTimestamp (KIP-534)', () => {
    const b = new RecordBatch(buildRecordBatch([{ value: 'a', timestamp: 5000 }], { deleteHorizonMs: 4000 }));
    assert.equal(b.hasDeleteHorizon, true);
    assert.equal(b.attributes & Attributes.DELETE_HORIZON, Attributes.DELETE_HORIZON);
    assert.equal(b.deleteHorizonMs, 4000n);
    assert.equal(b.toArray()[0]!.timestamp, 5000n);
    assert.equal(new RecordBatch(buildRecordBatch([{ value: 'a' }])).deleteHorizonMs, null);
  });

  it('writes snappy in xerial framing unless raw is asked for', () => {
    const records = [{ value: 'hello '.repeat(100) }];
    const xerial = buildRecordBatch(records, { compression: CompressionType.snappy });
    assert.equal(xerial[BatchOffsets.records], 0x82);
    const raw = buildRecordBatch(records, { compression: CompressionType.snappy, compressOptions: { snappyFraming: 'raw' } });
    assert.notEqual(raw[BatchOffsets.records], 0x82);
    assert.deepEqual(snappyDecompress(raw.subarray(BatchOffsets.records)), snappyDecompress(xerial.subarray(BatchOffsets.records)));
    assert.deepEqual(new RecordBatch(raw).toArray()[0]!.value, new RecordBatch(xerial).toArray()[0]!.value);
  });

  it('refuses unknown codecs and timestamps that are not safe integers', () => {
    assert.throws(() => buildRecordBatch([{ value: 'a' }], { compression: 6 as CompressionType }), { code: 'SAMSA_ERR_RECORDS_UNSUPPORTED_COMPRESSION' });
    assert.throws(() => buildRecordBatch([{ value: 'a', timestamp: 2n ** 60n }]), { code: 'SAMSA_ERR_PROTOCOL_NOT_REPRESENTABLE' });
  });

  for (const codec of [CompressionType.none, CompressionType.gzip, CompressionType.snappy]) {
    it(`kafkajs 2.2.4 decodes our ${codec === 0 ? 'uncompressed' : codec === 1 ? 'gzip' : 'snappy (xerial)'} batches`, async () => {
      const bytes = buildRecordBatch([
        { key: 'k1', value: 'v1', timestamp: 1763740800000, headers: [{ key: 'h', value: 'x' }, { key: 'h', value: 'y' }] },
        { key: null, value: Buffer.from([0, 255]), timestamp: 1763740799000 },
      ], { compression: codec, baseOffset: 300n, producerId: 5n, producerEpoch: 1, baseSequence: 0, transactional: true });
      const decoded = await kafkajsDecode(bytes);
      assert.equal(decoded.firstOffset, '300');
      assert.equal(decoded.producerId, '5');
      assert.equal(decoded.inTransaction, true);
      assert.deepEqual(decoded.records.map((r) => [r.offset, r.timestamp, r.key, r.value]), [
        ['300', '1763740800000', Buffer.from('k1'), Buffer.from('v1')],
        ['301', '1763740799000', null, Buffer.from([0, 255])],
      ]);
      assert.deepEqual(decoded.records[0]!.headers, { h: [Buffer.from('x'), Buffer.from('y')] });
    });
  }
});
