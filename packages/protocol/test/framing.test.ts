import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameReader, frame } from '../src/index.ts';

function sized(payload: Buffer): Buffer {
  return Buffer.concat(frame([payload]));
}

describe('FrameReader', () => {
  it('assembles frames split at every possible byte boundary', () => {
    const payloads = [Buffer.from('first'), Buffer.alloc(0), Buffer.alloc(300, 1), Buffer.from('last')];
    const stream = Buffer.concat(payloads.map(sized));
    for (let cut = 0; cut <= stream.length; cut++) {
      const fr = new FrameReader(1024);
      const got = [...fr.push(stream.subarray(0, cut)), ...fr.push(stream.subarray(cut))];
      assert.deepEqual(got, payloads, `cut at ${cut}`);
      assert.equal(fr.bufferedBytes, 0);
    }
  });

  it('assembles a stream fed one byte at a time', () => {
    const payloads = [Buffer.from('abc'), Buffer.alloc(70, 2)];
    const stream = Buffer.concat(payloads.map(sized));
    const fr = new FrameReader(100);
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...fr.push(stream.subarray(i, i + 1)));
    assert.deepEqual(got, payloads);
  });

  it('rejects a 2 GB size prefix as soon as it arrives, buffering nothing for it', () => {
    const fr = new FrameReader(100 * 1024 * 1024);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(0x7fffffff);
    assert.throws(() => fr.push(prefix), { code: 'SAMSA_ERR_PROTOCOL_FRAME_TOO_LARGE' });
  });

  it('rejects a negative size, also when its bytes arrive split', () => {
    const fr = new FrameReader(1000);
    fr.push(Buffer.from([0xff, 0xff]));
    assert.throws(() => fr.push(Buffer.from([0xff, 0xfe])), { code: 'SAMSA_ERR_PROTOCOL_FRAME_TOO_LARGE' });
  });

  it('returns a frame inside one chunk without copying it', () => {
    const chunk = sized(Buffer.alloc(50, 9));
    const [f] = new FrameReader(100).push(chunk);
    assert.equal(f!.buffer, chunk.buffer);
  });
});
