import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompressionType } from '../../src/compression/compression-type.ts';
import { CorruptRecordError } from '../../src/errors.ts';
import { BatchOffsets } from '../../src/records/batch-header.ts';
import { crc32c } from '../../src/records/crc32c.ts';
import { buildEndTransactionMarkerBatch, ControlRecordType } from '../../src/records/control-record.ts';
import { buildLegacyMessageSet } from '../../src/records/legacy-message-set.ts';
import { buildRecordBatch } from '../../src/records/record-batch-builder.ts';
import { validateRecordBatches } from '../../src/records/batch-validation.ts';

function reseal(b: Buffer): Buffer {
  b.writeUInt32BE(crc32c(b.subarray(BatchOffsets.attributes)), BatchOffsets.crc);
  return b;
}

describe('validateRecordBatches', () => {
  it('sums counts and spans and finds the max timestamp from headers alone', () => {
    const a = buildRecordBatch([{ value: 'a', timestamp: 100 }, { value: 'b', timestamp: 300 }], {
      compression: CompressionType.lz4, producerId: 8n, producerEpoch: 2, baseSequence: 40, transactional: true,
    });
    const b = buildRecordBatch([{ value: 'c', timestamp: 200 }], { baseOffset: 2n });
    const c = buildEndTransactionMarkerBatch({ type: ControlRecordType.COMMIT, producerId: 8n, producerEpoch: 2, coordinatorEpoch: 1, timestamp: 250 });
    const info = validateRecordBatches(Buffer.concat([a, b, c]));
    assert.deepEqual(info, {
      batchCount: 3, recordCount: 4, offsetCount: 4, lastOffsetDelta: 0,
      maxTimestamp: 300n, maxTimestampBatchIndex: 0, validBytes: a.length + b.length + c.length,
      compression: CompressionType.lz4, mixedCompression: true,
      producerId: 8n, producerEpoch: 2, baseSequence: 40, isTransactional: true, hasControl: true,
    });
    assert.equal(validateRecordBatches(Buffer.alloc(0)).batchCount, 0);
  });

  it('refuses bad CRC, lengths, magic, codec and counts', () => {
    const good = buildRecordBatch([{ value: 'a' }, { value: 'b' }]);
    const bad = (f: (b: Buffer) => void, sealed = true): Buffer => {
      const b = Buffer.from(good);
      f(b);
      return sealed ? reseal(b) : b;
    };
    const cases: [string, Buffer][] = [
      ['crc', bad((b) => { b[b.length - 1]! ^= 1; }, false)],
      ['short', good.subarray(0, 40)],
      ['length past end', bad((b) => b.writeInt32BE(1000, 8))],
      ['length below header', bad((b) => b.writeInt32BE(10, 8))],
      ['magic 1', buildLegacyMessageSet([{ value: 'x'.repeat(60) }], { magic: 1 })],
      ['codec 7', bad((b) => b.writeInt16BE(7, BatchOffsets.attributes))],
      ['negative count', bad((b) => b.writeInt32BE(-1, BatchOffsets.recordCount))],
      ['count past bytes', bad((b) => b.writeInt32BE(1000, BatchOffsets.recordCount))],
      ['negative lastOffsetDelta', bad((b) => b.writeInt32BE(-4, BatchOffsets.lastOffsetDelta))],
      ['truncated second batch', Buffer.concat([good, good.subarray(0, 70)])],
    ];
    for (const [name, b] of cases) assert.throws(() => validateRecordBatches(b), CorruptRecordError, name);
  });

  it('produce-path mode requires at least one record and dense offsets, as LogValidator does', () => {
    const gap = buildRecordBatch([{ value: 'a', offsetDelta: 0 }, { value: 'b', offsetDelta: 3 }]);
    const empty = buildRecordBatch([], { lastOffsetDelta: 0 });
    for (const b of [gap, empty]) {
      assert.doesNotThrow(() => validateRecordBatches(b));
      assert.throws(() => validateRecordBatches(b, { requireDenseOffsets: true }), /spans/);
    }
    assert.equal(validateRecordBatches(buildRecordBatch([{ value: 'a' }]), { requireDenseOffsets: true }).recordCount, 1);
  });
});
