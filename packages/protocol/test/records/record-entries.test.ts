import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompressionType } from '../../src/compression/compression-type.ts';
import { CorruptRecordError } from '../../src/errors.ts';
import { buildLegacyMessageSet } from '../../src/records/legacy-message-set.ts';
import { buildRecordBatch } from '../../src/records/record-batch-builder.ts';
import { walkRecordEntries } from '../../src/records/record-entries.ts';

describe('walkRecordEntries', () => {
  const v2a = buildRecordBatch([{ value: 'a' }, { value: 'b' }, { value: 'c' }], { baseOffset: 10n });
  const v2b = buildRecordBatch([{ value: 'd' }], { baseOffset: 13n, compression: CompressionType.gzip });
  const v1 = buildLegacyMessageSet([{ value: 'x' }, { value: 'y' }], { magic: 1, compression: CompressionType.snappy, baseOffset: 14n });
  const v0 = buildLegacyMessageSet([{ value: 'z' }], { magic: 0, baseOffset: 16n });
  const blob = Buffer.concat([v0, v1, v2a, v2b]);

  it('yields position, size, magic and offsets of each entry, any magic, without decoding', () => {
    assert.deepEqual([...walkRecordEntries(blob)], [
      { position: 0, size: v0.length, magic: 0, offset: 16n, lastOffset: 16n },
      { position: v0.length, size: v1.length, magic: 1, offset: 15n, lastOffset: 15n },
      { position: v0.length + v1.length, size: v2a.length, magic: 2, offset: 10n, lastOffset: 12n },
      { position: v0.length + v1.length + v2a.length, size: v2b.length, magic: 2, offset: 13n, lastOffset: 13n },
    ]);
    assert.deepEqual([...walkRecordEntries(Buffer.alloc(0))], []);
  });

  it('a trailing partial entry throws, or ends the walk when allowed (fetch responses)', () => {
    for (const cut of [blob.length - 1, blob.length - v2b.length + 5, blob.length - v2b.length + 20]) {
      const partial = blob.subarray(0, cut);
      assert.throws(() => [...walkRecordEntries(partial)], CorruptRecordError);
      assert.equal([...walkRecordEntries(partial, { allowPartialTrailing: true })].length, 3);
    }
  });

  it('refuses unknown magic and sizes below the minimum for the magic, even when partial entries are allowed', () => {
    const badMagic = Buffer.from(v2a);
    badMagic[16] = 3;
    assert.throws(() => [...walkRecordEntries(badMagic, { allowPartialTrailing: true })], /magic 3/);
    for (const [entry, size] of [[v2a, 48], [v1, 21], [v0, 13], [v2a, -12], [v2a, -(2 ** 31)]] as const) {
      const b = Buffer.from(entry);
      b.writeInt32BE(size, 8);
      assert.throws(() => [...walkRecordEntries(b, { allowPartialTrailing: true })], CorruptRecordError, `size ${size}`);
    }
  });
});
