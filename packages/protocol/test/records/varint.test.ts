import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../../src/errors.ts';
import { Reader } from '../../src/primitives/reader.ts';
import { Writer } from '../../src/primitives/writer.ts';
import { RecordCursor, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../../src/records/varint.ts';
import { seededRandom } from './seeded-random.ts';

function encodeLong(v: number): Buffer {
  const b = Buffer.alloc(10);
  return b.subarray(0, writeVarlong(b, 0, v));
}

describe('record varints', () => {
  const edges32 = [0, 1, -1, 63, -64, 64, -65, 8191, -8192, 2 ** 31 - 1, -(2 ** 31), 300, -300];
  const edges64 = [...edges32, 2 ** 31, -(2 ** 31) - 1, 2 ** 35, -(2 ** 35), 1763740800000, -1763740800000,
    Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 52, -(2 ** 52), 2 ** 53 - 2];

  it('varint matches the shared Writer/Reader encoding', () => {
    const random = seededRandom(1);
    const values = [...edges32];
    for (let i = 0; i < 2000; i++) values.push(Math.floor((random() - 0.5) * 2 ** 32) | 0);
    for (const v of values) {
      const ours = Buffer.alloc(5);
      const n = writeVarint(ours, 0, v);
      assert.equal(n, sizeOfVarint(v));
      assert.deepEqual(ours.subarray(0, n), new Writer().varint(v).toBuffer(), `varint ${v}`);
      const c = new RecordCursor(ours, 0, n);
      assert.equal(c.varint(), v);
      assert.equal(c.pos, n);
    }
  });

  it('varlongNumber matches the bigint Reader.varlong for every safe integer size', () => {
    const random = seededRandom(2);
    const values = [...edges64];
    for (let i = 0; i < 3000; i++) {
      const bits = Math.floor(random() * 53);
      const v = Math.floor(random() * 2 ** bits);
      values.push(random() < 0.5 && v !== 0 ? -v : v);
    }
    for (const v of values) {
      const ours = encodeLong(v);
      assert.equal(ours.length, sizeOfVarlong(v), `size of ${v}`);
      assert.deepEqual(ours, new Writer().varlong(BigInt(v)).toBuffer(), `varlong ${v}`);
      assert.equal(new Reader(ours).varlong(), BigInt(v));
      const c = new RecordCursor(ours, 0, ours.length);
      assert.equal(c.varlongNumber(), v);
      assert.equal(c.pos, ours.length);
    }
  });

  it('refuses varlongs outside the safe range instead of rounding them', () => {
    for (const v of [2n ** 53n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
      const b = new Writer().varlong(v).toBuffer();
      assert.throws(() => new RecordCursor(b, 0, b.length).varlongNumber(), { code: 'SAMSA_ERR_PROTOCOL_INVALID_VALUE' });
    }
  });

  it('rejects overlong and truncated encodings', () => {
    const six = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    assert.throws(() => new RecordCursor(six, 0, 6).varint(), { code: 'SAMSA_ERR_PROTOCOL_INVALID_VARINT' });
    const eleven = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    assert.throws(() => new RecordCursor(eleven, 0, 11).varlongNumber(), { code: 'SAMSA_ERR_PROTOCOL_INVALID_VARINT' });
    const cut = Buffer.from([0x80, 0x80]);
    assert.throws(() => new RecordCursor(cut, 0, 2).varint(), ProtocolError);
    assert.throws(() => new RecordCursor(cut, 0, 2).varlongNumber(), { code: 'SAMSA_ERR_PROTOCOL_TRUNCATED' });
    // The cursor's end is a hard limit even when the buffer goes on.
    assert.throws(() => new RecordCursor(Buffer.from([0x81, 0x01]), 0, 1).varint(), { code: 'SAMSA_ERR_PROTOCOL_TRUNCATED' });
  });
});
