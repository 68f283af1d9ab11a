import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError, Reader, SamsaError, Writer, ZERO_UUID } from '../../src/index.ts';

describe('Reader and Writer', () => {
  it('round-trip unsigned varints at their boundaries', () => {
    for (const v of [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 28, 2 ** 31, 0xffffffff]) {
      const b = new Writer().uvarint(v).toBuffer();
      const r = new Reader(b);
      assert.equal(r.uvarint(), v);
      assert.equal(r.remaining, 0);
    }
  });

  it('round-trip zigzag varints and varlongs', () => {
    for (const v of [0, -1, 1, -64, 63, -65, 2 ** 31 - 1, -(2 ** 31)]) {
      assert.equal(new Reader(new Writer().varint(v).toBuffer()).varint(), v);
    }
    for (const v of [0n, -1n, 1n, 2n ** 63n - 1n, -(2n ** 63n), 1234567890123n]) {
      assert.equal(new Reader(new Writer().varlong(v).toBuffer()).varlong(), v);
    }
  });

  it('rejects a varint longer than 5 bytes', () => {
    const r = new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    assert.throws(() => r.uvarint(), { code: 'SAMSA_ERR_PROTOCOL_INVALID_VARINT' });
  });

  it('refuses a length prefix larger than the bytes left, before allocating', () => {
    const big = new Writer().int32(0x7fffffff).toBuffer();
    assert.throws(() => new Reader(big).bytes(), { code: 'SAMSA_ERR_PROTOCOL_TRUNCATED' });
    assert.throws(() => new Reader(big).arrayLength(1), { code: 'SAMSA_ERR_PROTOCOL_INVALID_LENGTH' });
    const compact = new Writer().uvarint(0xffffffff).toBuffer();
    assert.throws(() => new Reader(compact).compactArrayLength(4), { code: 'SAMSA_ERR_PROTOCOL_INVALID_LENGTH' });
    assert.throws(() => new Reader(new Writer().int16(-2).toBuffer()).nullableString(), { code: 'SAMSA_ERR_PROTOCOL_INVALID_LENGTH' });
  });

  it('distinguishes null from empty in every string and bytes form', () => {
    const w = new Writer().nullableString(null).nullableString('').nullableCompactString(null).nullableCompactString('')
      .nullableBytes(null).nullableBytes(Buffer.alloc(0)).nullableCompactBytes(null).nullableCompactBytes(Buffer.alloc(0));
    const r = new Reader(w.toBuffer());
    assert.equal(r.nullableString(), null);
    assert.equal(r.nullableString(), '');
    assert.equal(r.nullableCompactString(), null);
    assert.equal(r.nullableCompactString(), '');
    assert.equal(r.nullableBytes(), null);
    assert.equal(r.nullableBytes()!.length, 0);
    assert.equal(r.nullableCompactBytes(), null);
    assert.equal(r.nullableCompactBytes()!.length, 0);
    assert.equal(r.remaining, 0);
  });

  it('keeps large byte fields by reference and small ones copied', () => {
    const big = Buffer.alloc(64 * 1024, 7);
    const w = new Writer().int32(1).raw(big).int32(2);
    const chunks = w.chunks();
    assert.equal(chunks.length, 3);
    assert.equal(chunks[1], big);
    assert.equal(w.length, 64 * 1024 + 8);
  });

  it('encodes multi-byte UTF-8 with its byte length', () => {
    const s = 'ümlaut ☃ 💾';
    const b = new Writer().string(s).compactString(s).toBuffer();
    const r = new Reader(b);
    assert.equal(r.string(), s);
    assert.equal(r.compactString(), s);
  });

  it('writes uuids as 16 bytes and reads them back as Kafka prints them', () => {
    const b = new Writer().uuid(ZERO_UUID).uuid('AQIDBAUGBwgJCgsMDQ4PEA').toBuffer();
    assert.equal(b.length, 32);
    const r = new Reader(b);
    assert.equal(r.uuid(), ZERO_UUID);
    assert.equal(r.uuid(), 'AQIDBAUGBwgJCgsMDQ4PEA');
  });

  it('raises errors that are SamsaErrors with stable codes', () => {
    try {
      new Reader(Buffer.alloc(1)).int32();
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof ProtocolError);
      assert.ok(e instanceof SamsaError);
      assert.equal((e as SamsaError).code, 'SAMSA_ERR_PROTOCOL_TRUNCATED');
    }
  });
});
