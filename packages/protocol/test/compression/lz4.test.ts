import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { decompressFrameSync } from 'lz4-napi';
import { lz4Compress, lz4Decompress } from '../../src/compression/lz4.ts';
import { xxhash32 } from '../../src/compression/xxhash32.ts';
import { jsonishPayload, randomBytes, seededRandom } from '../records/seeded-random.ts';

/** Builds an LZ4 frame by hand from raw blocks, to test the parser on every flag. */
function frame(blocks: { data: Buffer; stored: boolean }[],
  opts: { contentSize?: number; blockChecksums?: boolean; content?: Buffer; bd?: number } = {}): Buffer {
  let flg = 0x60;
  if (opts.blockChecksums) flg |= 0x10;
  if (opts.contentSize !== undefined) flg |= 0x08;
  if (opts.content) flg |= 0x04;
  const desc = [flg, opts.bd ?? 0x40];
  if (opts.contentSize !== undefined) {
    const cs = Buffer.alloc(8);
    cs.writeBigUInt64LE(BigInt(opts.contentSize));
    desc.push(...cs);
  }
  const d = Buffer.from(desc);
  const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18]), d, Buffer.from([(xxhash32(d) >>> 8) & 0xff])];
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return b;
  };
  for (const b of blocks) {
    parts.push(u32(b.data.length | (b.stored ? 0x80000000 : 0)), b.data);
    if (opts.blockChecksums) parts.push(u32(xxhash32(b.data)));
  }
  parts.push(u32(0));
  if (opts.content) parts.push(u32(xxhash32(opts.content)));
  return Buffer.concat(parts);
}

/** A raw block: literals only ("hello"), then a match of 4+15+200 bytes at offset 5. */
const literalsAndMatch = Buffer.from([0x5f, ...Buffer.from('hello'), 0x05, 0x00, 200, 0x00]);

describe('lz4 frames', () => {
  const input = jsonishPayload(300_000, 5);

  it('round trips through lz4-napi frames with independent blocks, and lz4-napi reads ours', () => {
    const packed = lz4Compress(input);
    assert.deepEqual([...packed.subarray(0, 4)], [0x04, 0x22, 0x4d, 0x18]);
    assert.equal(packed[4]! & 0x20, 0x20, 'block independence flag');
    assert.deepEqual(lz4Decompress(packed), input);
    assert.deepEqual(lz4Decompress(packed, { native: true }), input);
    assert.deepEqual(decompressFrameSync(packed), input);
  });

  it('the native path agrees on random and repetitive inputs', () => {
    const random = seededRandom(99);
    for (const data of [randomBytes(random, 100_000), Buffer.alloc(200_000, 7), jsonishPayload(70_000, 2), Buffer.alloc(0)]) {
      const packed = lz4Compress(data);
      assert.deepEqual(lz4Decompress(packed, { native: true }), data);
    }
  });

  it('reads python3-lz4 frames (what kafka-python sends): content size, 64 KiB blocks, checksums', () => {
    let out: Buffer;
    try {
      // Two frames, the first prefixed by its length: Kafka-style (independent blocks,
      // content size, content checksum) and linked blocks with block checksums.
      out = execFileSync('/usr/bin/python3', ['-c', [
        'import lz4.frame, struct, sys',
        'd = bytes(range(256)) * 1000 + b"tail"',
        'a = lz4.frame.compress(d, block_linked=False, content_checksum=True)',
        'b = lz4.frame.compress(d, block_linked=True, block_checksum=True)',
        'sys.stdout.buffer.write(struct.pack(">i", len(a)) + a + b)',
      ].join('\n')]);
    } catch (err) {
      assert.fail(`python3-lz4 must be installed (.ci/run installs it): ${(err as Error).message}`);
    }
    const want = Buffer.concat([...Array.from({ length: 1000 }, () => Buffer.from(Array.from({ length: 256 }, (_, i) => i))), Buffer.from('tail')]);
    const split = 4 + out.readInt32BE(0);
    const independent = out.subarray(4, split);
    assert.equal(independent[4]! & 0x08, 0x08, 'python3-lz4 stores the content size');
    assert.deepEqual(lz4Decompress(independent), want);
    assert.deepEqual(lz4Decompress(independent, { native: true }), want);
    // Linked blocks are outside Kafka's rules, but both decoders handle them.
    const linked = out.subarray(split);
    assert.deepEqual(lz4Decompress(linked), want);
    assert.deepEqual(lz4Decompress(linked, { native: true }), want);
  });

  it('parses every frame flag: stored blocks, block and content checksums, content size', () => {
    const f = frame([{ data: Buffer.from('stored!'), stored: true }, { data: literalsAndMatch, stored: false }],
      { contentSize: 7 + 5 + 219, blockChecksums: true, content: Buffer.from(`stored!${'hello'.repeat(45).slice(0, 224)}`) });
    for (const native of [false, true]) {
      const out = lz4Decompress(f, { native });
      assert.equal(out.length, 231);
      assert.equal(out.toString(), `stored!${'hello'.repeat(45).slice(0, 224)}`);
    }
    const corrupt = Buffer.from(f);
    corrupt[20]! ^= 1; // inside the first block (data starts at 19): its checksum no longer matches
    assert.throws(() => lz4Decompress(corrupt), /block checksum/);
  });

  it('decodes frames back to back and skips skippable frames', () => {
    const skip = Buffer.alloc(12);
    skip.writeUInt32LE(0x184d2a51, 0);
    skip.writeUInt32LE(4, 4);
    const out = lz4Decompress(Buffer.concat([lz4Compress(Buffer.from('one ')), skip, lz4Compress(Buffer.from('two'))]));
    assert.equal(out.toString(), 'one two');
  });

  it('accepts the pre-0.10 header checksum only when asked (KAFKA-3160)', () => {
    const legacy = lz4Compress(Buffer.from('legacy payload'), { legacyHeaderChecksum: true });
    assert.throws(() => lz4Decompress(legacy), /header checksum/);
    assert.equal(lz4Decompress(legacy, { legacyHeaderChecksum: true }).toString(), 'legacy payload');
    assert.equal(lz4Decompress(lz4Compress(Buffer.from('modern')), { legacyHeaderChecksum: true }).toString(), 'modern');
  });

  it('rejects malformed frames', () => {
    const good = lz4Compress(Buffer.from('some data some data some data'));
    const bad = (mutate: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(good);
      mutate(b);
      return b;
    };
    const cases: [string, Buffer][] = [
      ['bad magic', bad((b) => { b[0] = 0; })],
      ['bad version', bad((b) => { b[4] = 0x20; })],
      ['header checksum', bad((b) => { b[6]! ^= 1; })],
      ['truncated', good.subarray(0, good.length - 2)],
      ['trailing junk', Buffer.concat([good, Buffer.from([1, 2, 3])])],
      ['block size past end', frame([{ data: Buffer.from('abc'), stored: true }]).subarray(0, 12)],
      ['block larger than the frame max', frame([{ data: Buffer.alloc(70_000), stored: true }])],
      ['match before output start', frame([{ data: Buffer.from([0x10, 0x61, 0x09, 0x00]), stored: false }])],
      ['zero match offset', frame([{ data: Buffer.from([0x10, 0x61, 0x00, 0x00, 0x10, 0x62]), stored: false }])],
      ['literal length past block', frame([{ data: Buffer.from([0xf0, 0xff, 0xff, 0x10]), stored: false }])],
      ['content size mismatch', frame([{ data: Buffer.from('abc'), stored: true }], { contentSize: 4 })],
      ['dictionary id', bad((b) => { b[4]! |= 1; })],
    ];
    for (const [name, data] of cases) {
      assert.throws(() => lz4Decompress(data), { code: 'SAMSA_ERR_COMPRESSION_CORRUPT' }, name);
      assert.throws(() => lz4Decompress(data, { native: true }), { code: 'SAMSA_ERR_COMPRESSION_CORRUPT' }, name);
    }
  });

  it('stops a bomb at the cap, without trusting the declared content size', () => {
    const bomb = lz4Compress(Buffer.alloc(20_000_000));
    assert.throws(() => lz4Decompress(bomb, { maxOutputBytes: 1 << 20 }), { code: 'SAMSA_ERR_COMPRESSION_OUTPUT_TOO_LARGE' });
    const declared = frame([{ data: Buffer.from('abc'), stored: true }], { contentSize: 2 ** 40 });
    assert.throws(() => lz4Decompress(declared, { maxOutputBytes: 1 << 20 }), { code: 'SAMSA_ERR_COMPRESSION_CORRUPT' });
  });
});
