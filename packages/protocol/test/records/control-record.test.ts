import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CorruptRecordError } from '../../src/errors.ts';
import { Attributes } from '../../src/records/batch-header.ts';
import {
  ControlRecordType, buildEndTransactionMarkerBatch, decodeControlRecordKey, decodeEndTransactionMarkerValue,
  encodeControlRecordKey, encodeEndTransactionMarkerValue, readControlRecordType, readEndTransactionMarker,
} from '../../src/records/control-record.ts';
import { buildRecordBatch } from '../../src/records/record-batch-builder.ts';
import { RecordBatch } from '../../src/records/record-batch.ts';

describe('control records', () => {
  it('encodes keys and marker values as Kafka lays them out', () => {
    assert.deepEqual([...encodeControlRecordKey(ControlRecordType.COMMIT)], [0, 0, 0, 1]);
    assert.deepEqual([...encodeEndTransactionMarkerValue(0x01020304)], [0, 0, 1, 2, 3, 4]);
    assert.deepEqual(decodeControlRecordKey(Buffer.from([0, 0, 0, 0])), { version: 0, type: ControlRecordType.ABORT });
    // A newer key version with extra bytes is still readable.
    assert.deepEqual(decodeControlRecordKey(Buffer.from([0, 1, 0, 6, 9, 9])), { version: 1, type: ControlRecordType.KRAFT_VOTERS });
    assert.deepEqual(decodeEndTransactionMarkerValue(Buffer.from([0, 0, 0, 0, 0, 7])), { version: 0, coordinatorEpoch: 7 });
  });

  it('refuses short, null or negative-version keys and values', () => {
    assert.throws(() => decodeControlRecordKey(null), CorruptRecordError);
    assert.throws(() => decodeControlRecordKey(Buffer.from([0, 0, 1])), CorruptRecordError);
    assert.throws(() => decodeControlRecordKey(Buffer.from([0xff, 0xff, 0, 1])), CorruptRecordError);
    assert.throws(() => decodeEndTransactionMarkerValue(Buffer.from([0, 0, 0])), CorruptRecordError);
  });

  for (const type of [ControlRecordType.ABORT, ControlRecordType.COMMIT] as const) {
    it(`builds and reads back a ${type === 0 ? 'ABORT' : 'COMMIT'} marker batch`, () => {
      const bytes = buildEndTransactionMarkerBatch({
        type, producerId: 4000n, producerEpoch: 9, coordinatorEpoch: 21, timestamp: 1763740800000, baseOffset: 55n, partitionLeaderEpoch: 2,
      });
      const batch = new RecordBatch(bytes);
      batch.ensureValid();
      assert.equal(batch.isControl, true);
      assert.equal(batch.isTransactional, true);
      assert.equal(batch.attributes, Attributes.CONTROL | Attributes.TRANSACTIONAL);
      assert.equal(batch.producerId, 4000n);
      assert.equal(batch.producerEpoch, 9);
      assert.equal(batch.baseSequence, -1);
      assert.equal(batch.recordCount, 1);
      assert.equal(batch.baseOffset, 55n);
      assert.deepEqual(readEndTransactionMarker(batch), { type, coordinatorEpoch: 21, version: 0 });
      assert.equal(readControlRecordType(batch), type);
    });
  }

  it('returns null for data batches and for other control types', () => {
    assert.equal(readEndTransactionMarker(new RecordBatch(buildRecordBatch([{ value: 'x' }]))), null);
    assert.equal(readControlRecordType(new RecordBatch(buildRecordBatch([{ value: 'x' }]))), null);
    const leaderChange = new RecordBatch(buildRecordBatch([{ key: encodeControlRecordKey(ControlRecordType.LEADER_CHANGE), value: 'v' }], { control: true }));
    assert.equal(readEndTransactionMarker(leaderChange), null);
    assert.equal(readControlRecordType(leaderChange), ControlRecordType.LEADER_CHANGE);
  });

  it('a control batch with no record is corrupt', () => {
    const empty = new RecordBatch(buildRecordBatch([], { control: true, transactional: true }));
    assert.throws(() => readEndTransactionMarker(empty), CorruptRecordError);
  });
});
