import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompressionType } from '../../src/compression/compression-type.ts';
import { CorruptRecordError, ProtocolError, SamsaError } from '../../src/errors.ts';
import { Writer } from '../../src/primitives/writer.ts';
import { BatchOffsets, TimestampType } from '../../src/records/batch-header.ts';
import { crc32c } from '../../src/records/crc32c.ts';
import type { RecordInput } from '../../src/records/record.ts';
import { buildRecordBatch } from '../../src/records/record-batch-builder.ts';
import { RecordBatch } from '../../src/records/record-batch.ts';
import { randomBytes, randomInt, seededRandom } from './seeded-random.ts';

const codecs = [CompressionType.none, CompressionType.gzip, CompressionType.snappy, CompressionType.lz4, CompressionType.zstd] as const;

function randomRecords(random: () => number, n: number, baseTs: number): RecordInput[] {
  const out: RecordInput[] = [];
  for (let i = 0; i < n; i++) {
    const pick = random();
    const headers = [];
    for (let h = randomInt(random, 0, 3); h > 0; h--) {
      headers.push({ key: `h${randomInt(random, 0, 9)}-ü`, value: random() < 0.2 ? null : randomBytes(random, randomInt(random, 0, 20)) });
    }
    out.push({
      key: pick < 0.2 ? null : randomBytes(random, randomInt(random, 0, 30)),
      value: pick > 0.9 ? null : randomBytes(random, randomInt(random, 0, random() < 0.05 ? 3000 : 200)),
      headers,
      timestamp: baseTs + randomInt(random, -5000, 5000),
    });
  }
  return out;
}

/** Rewrites the CRC so that a test of a lying field is not stopped by the checksum. */
function resealed(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(BatchOffsets.attributes)), BatchOffsets.crc);
  return batch;
}

function expectBadInput(fn: () => unknown, what: string): void {
  assert.throws(fn, (err: unknown) => err instanceof CorruptRecordError || err instanceof ProtocolError, what);
}

describe('RecordBatch', () => {
  it('round trips random records through every codec (property, fixed seed)', () => {
    const random = seededRandom(2026);
    for (let round = 0; round < 60; round++) {
      const codec = codecs[round % codecs.length]!;
      const input = randomRecords(random, randomInt(random, 0, 60), 1763740800000);
      const baseOffset = BigInt(randomInt(random, 0, 2 ** 40));
      const bytes = buildRecordBatch(input, { compression: codec, baseOffset, partitionLeaderEpoch: 3 });
      const batch = new RecordBatch(bytes);
      batch.ensureValid();
      assert.equal(batch.compression, codec);
      assert.equal(batch.recordCount, input.length);
      assert.equal(batch.partitionLeaderEpoch, 3);
      const records = batch.toArray();
      assert.equal(records.length, input.length);
      let maxTs = -1n;
      records.forEach((r, i) => {
        const want = input[i]!;
        assert.equal(r.offset, baseOffset + BigInt(i));
        assert.equal(r.timestamp, BigInt(want.timestamp!));
        assert.deepEqual(r.key, want.key === null ? null : Buffer.from(want.key as Buffer));
        assert.deepEqual(r.value, want.value === null ? null : Buffer.from(want.value as Buffer));
        assert.deepEqual(r.headers.map((h) => [h.key, h.value]), (want.headers ?? []).map((h) => [h.key, h.value === null ? null : Buffer.from(h.value as Buffer)]));
        if (r.timestamp > maxTs) maxTs = r.timestamp;
      });
      if (input.length > 0) {
        assert.equal(batch.maxTimestamp, maxTs);
        assert.equal(batch.baseTimestamp, BigInt(input[0]!.timestamp!));
        assert.equal(batch.lastOffset, baseOffset + BigInt(input.length - 1));
      }
    }
  });

  it('reads the header lazily from the bytes and ignores bytes after the batch', () => {
    const bytes = buildRecordBatch([{ value: 'a' }, { value: 'b' }], {
      baseOffset: 42n, producerId: 77n, producerEpoch: 5, baseSequence: 2 ** 31 - 1, transactional: true,
    });
    const batch = new RecordBatch(Buffer.concat([Buffer.alloc(3), bytes, Buffer.from('next batch...')]), 3);
    assert.equal(batch.sizeInBytes, bytes.length);
    assert.deepEqual(batch.buffer, bytes);
    assert.equal(batch.baseOffset, 42n);
    assert.equal(batch.nextOffset, 44n);
    assert.equal(batch.producerId, 77n);
    assert.equal(batch.hasProducerId, true);
    assert.equal(batch.producerEpoch, 5);
    assert.equal(batch.isTransactional, true);
    assert.equal(batch.isControl, false);
    // Sequences wrap at int32 max, as Kafka's DefaultRecordBatch.incrementSequence does.
    assert.equal(batch.lastSequence, 0);
    assert.equal(batch.header().baseOffset, 42n);
    assert.equal(batch.header().recordCount, 2);
  });

  it('record keys and values are views of the batch bytes, not copies', () => {
    const bytes = buildRecordBatch([{ key: 'kk', value: 'vvvv' }]);
    const [r] = new RecordBatch(bytes).toArray();
    assert.equal(r!.value!.buffer, bytes.buffer);
  });

  it('patches baseOffset and partitionLeaderEpoch in place without breaking the CRC', () => {
    const batch = new RecordBatch(buildRecordBatch([{ value: 'x' }, { value: 'y' }]));
    batch.setBaseOffset(1000n);
    batch.setPartitionLeaderEpoch(9);
    assert.equal(batch.isValid(), true);
    assert.deepEqual(batch.toArray().map((r) => r.offset), [1000n, 1001n]);
    assert.equal(batch.partitionLeaderEpoch, 9);
  });

  it('LogAppendTime: stamping sets maxTimestamp, the type bit and a fresh CRC; records report it', () => {
    const batch = new RecordBatch(buildRecordBatch([{ value: 'x', timestamp: 5 }, { value: 'y', timestamp: 7 }], { compression: CompressionType.gzip }));
    batch.setLogAppendTime(1234n);
    assert.equal(batch.timestampType, TimestampType.LogAppendTime);
    assert.equal(batch.compression, CompressionType.gzip);
    assert.equal(batch.isValid(), true);
    assert.deepEqual(batch.toArray().map((r) => r.timestamp), [1234n, 1234n]);
    assert.deepEqual(batch.toArray().map((r) => r.timestampDelta), [0, 2]);
  });

  it('detects a flipped bit with the CRC', () => {
    const bytes = buildRecordBatch([{ value: 'hello' }]);
    bytes[bytes.length - 3]! ^= 0x10;
    const batch = new RecordBatch(bytes);
    assert.equal(batch.isValid(), false);
    assert.throws(() => batch.ensureValid(), CorruptRecordError);
  });

  describe('batches that lie', () => {
    it('refuses a header that is short, not magic 2, or longer than the bytes', () => {
      const good = buildRecordBatch([{ value: 'v' }]);
      expectBadInput(() => new RecordBatch(good.subarray(0, 60)), 'short');
      const wrongMagic = Buffer.from(good);
      wrongMagic[BatchOffsets.magic] = 1;
      expectBadInput(() => new RecordBatch(wrongMagic), 'magic');
      for (const len of [-1, 0, 48, good.length - 12 + 1, 2 ** 31 - 1]) {
        const b = Buffer.from(good);
        b.writeInt32BE(len, BatchOffsets.batchLength);
        expectBadInput(() => new RecordBatch(b), `batchLength ${len}`);
      }
    });

    it('a record count larger than the bytes fails before any record is decoded', () => {
      for (const codec of [CompressionType.none, CompressionType.zstd]) {
        const b = buildRecordBatch([{ value: 'v' }], { compression: codec });
        for (const count of [2 ** 31 - 1, 1000, -1, -(2 ** 31)]) {
          const lie = Buffer.from(b);
          lie.writeInt32BE(count, BatchOffsets.recordCount);
          resealed(lie);
          expectBadInput(() => [...new RecordBatch(lie).records()], `count ${count}`);
        }
      }
    });

    it('a record count smaller than the records leaves trailing bytes, which are refused', () => {
      const b = buildRecordBatch([{ value: 'a' }, { value: 'b' }]);
      b.writeInt32BE(1, BatchOffsets.recordCount);
      expectBadInput(() => [...new RecordBatch(resealed(b)).records()], 'trailing');
    });

    /** A batch whose only record is exactly the given body bytes (after its length). */
    function withRecordBody(body: Buffer, declaredLength = body.length): Buffer {
      const w = new Writer().varint(declaredLength).raw(body);
      const records = w.toBuffer();
      const b = buildRecordBatch([{ value: 'x' }]);
      const out = Buffer.concat([b.subarray(0, BatchOffsets.records), records]);
      out.writeInt32BE(out.length - 12, BatchOffsets.batchLength);
      return resealed(out);
    }
    const body = (f: (w: Writer) => void): Buffer => {
      const w = new Writer();
      f(w);
      return w.toBuffer();
    };
    const fields = (key: number, value: number, headers: number, extra: (w: Writer) => void = () => {}): Buffer =>
      body((w) => {
        w.int8(0).varlong(0n).varint(0).varint(key);
        if (key > 0) w.raw(Buffer.alloc(Math.min(key, 4)));
        w.varint(value);
        if (value > 0) w.raw(Buffer.alloc(Math.min(value, 4)));
        w.varint(headers);
        extra(w);
      });

    const cases: [string, Buffer][] = [
      ['record length negative', withRecordBody(fields(-1, -1, 0), -5)],
      ['record length past the batch', withRecordBody(fields(-1, -1, 0), 500)],
      ['record length shorter than its fields', withRecordBody(fields(-1, -1, 0), 5)],
      ['record length longer than its fields', withRecordBody(Buffer.concat([fields(-1, -1, 0), Buffer.from([0])]), 7)],
      ['key length -2', withRecordBody(fields(-2, -1, 0))],
      ['key length past the record', withRecordBody(fields(1000, -1, 0))],
      ['value length -7', withRecordBody(fields(-1, -7, 0))],
      ['value length past the record', withRecordBody(fields(-1, 2 ** 30, 0))],
      ['header count negative', withRecordBody(fields(-1, -1, -3))],
      ['header count past the record', withRecordBody(fields(-1, -1, 2 ** 30))],
      ['header key null', withRecordBody(fields(-1, -1, 1, (w) => w.varint(-1).varint(-1)))],
      ['header key past the record', withRecordBody(fields(-1, -1, 1, (w) => w.varint(50).varint(-1)))],
      ['header value -2', withRecordBody(fields(-1, -1, 1, (w) => w.varint(0).varint(-2)))],
      ['header value past the record', withRecordBody(fields(-1, -1, 1, (w) => w.varint(0).varint(9)))],
      ['varint of 6 bytes', withRecordBody(body((w) => w.int8(0).raw(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))))],
    ];
    for (const [name, bytes] of cases) {
      it(`refuses: ${name}`, () => {
        expectBadInput(() => [...new RecordBatch(bytes).records()], name);
      });
    }

    it('a compressed section that does not decompress, or decompresses to a bomb, throws', () => {
      const b = buildRecordBatch([{ value: 'x'.repeat(100) }], { compression: CompressionType.lz4 });
      b[BatchOffsets.records + 8]! ^= 0xff;
      expectBadInput(() => [...new RecordBatch(resealed(b)).records()], 'corrupt lz4');
      const big = buildRecordBatch([{ value: Buffer.alloc(2_000_000) }], { compression: CompressionType.zstd });
      assert.throws(() => [...new RecordBatch(big).records({ maxOutputBytes: 100_000 })],
        { code: 'SAMSA_ERR_COMPRESSION_OUTPUT_TOO_LARGE' });
    });

    it('random mutations of valid batches only ever throw our errors, and end (fuzz, fixed seed)', () => {
      const random = seededRandom(77);
      const seeds = codecs.map((c) => buildRecordBatch(randomRecords(random, 8, 1000), { compression: c }));
      for (let i = 0; i < 3000; i++) {
        const b = Buffer.from(seeds[i % seeds.length]!);
        for (let m = randomInt(random, 1, 4); m > 0; m--) {
          // Mostly the records section (the header is covered by other tests).
          const at = random() < 0.85 ? randomInt(random, BatchOffsets.records, b.length - 1) : randomInt(random, 0, b.length - 1);
          b[at] = random() < 0.5 ? Math.floor(random() * 256) : b[at]! ^ (1 << randomInt(random, 0, 7));
        }
        let cut = b;
        if (random() < 0.1) {
          cut = b.subarray(0, randomInt(random, 0, b.length));
          if (cut.length >= 12) cut.writeInt32BE(cut.length - 12, BatchOffsets.batchLength);
        }
        try {
          const batch = new RecordBatch(cut.length >= BatchOffsets.records ? resealed(cut) : cut);
          for (const r of batch.records({ maxOutputBytes: 1 << 20 })) {
            void r.headers.length;
          }
        } catch (err) {
          assert.ok(err instanceof SamsaError, `mutation ${i}: ${String(err)}`);
        }
      }
    });
  });
});
