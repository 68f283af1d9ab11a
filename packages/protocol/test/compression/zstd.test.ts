import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zstdCompress, zstdDecompress } from '../../src/compression/zstd.ts';

describe('zstd', () => {
  it('decodes every frame of a multi-frame stream (node:zlib alone stops after the first)', () => {
    const a = zstdCompress(Buffer.from('alpha '));
    const b = zstdCompress(Buffer.from('beta'));
    assert.equal(zstdDecompress(Buffer.concat([a, b])).toString(), 'alpha beta');
  });

  it('skips skippable frames', () => {
    const skip = Buffer.alloc(8 + 3);
    skip.writeUInt32LE(0x184d2a5e, 0);
    skip.writeUInt32LE(3, 4);
    assert.equal(zstdDecompress(Buffer.concat([skip, zstdCompress(Buffer.from('ok'))])).toString(), 'ok');
  });

  it('rejects trailing garbage and truncated frames', () => {
    const f = zstdCompress(Buffer.from('hello zstd'));
    assert.throws(() => zstdDecompress(Buffer.concat([f, Buffer.from('tail-tail')])), { code: 'SAMSA_ERR_COMPRESSION_CORRUPT' });
    assert.throws(() => zstdDecompress(f.subarray(0, f.length - 2)), { code: 'SAMSA_ERR_COMPRESSION_CORRUPT' });
  });

  it('refuses a frame whose declared content size is over the cap before inflating it', () => {
    const bomb = zstdCompress(Buffer.alloc(50_000_000));
    assert.ok(bomb.length < 10_000);
    assert.throws(() => zstdDecompress(bomb, { maxOutputBytes: 1 << 20 }), /50000000 bytes, over the limit/);
  });

  it('bounds frames that declare no size while inflating', () => {
    // Hand-made frame, no content size: one RLE block of 100000 bytes of 'a'.
    const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0, 0, 0, 0x61]);
    frame.writeUIntLE((100_000 << 3) | (1 << 1) | 1, 6, 3);
    assert.equal(zstdDecompress(frame.subarray(0, 10)).length, 100_000);
    assert.throws(() => zstdDecompress(frame.subarray(0, 10), { maxOutputBytes: 1000 }), { code: 'SAMSA_ERR_COMPRESSION_OUTPUT_TOO_LARGE' });
  });
});
