import { ProtocolError } from './errors.ts';

/**
 * Assembles Kafka's size-prefixed frames (int32 size, then that many bytes) from a byte
 * stream that arrives in arbitrary chunks. A size above `maxFrameSize` (the broker's
 * `socket.request.max.bytes`) or below zero is rejected as soon as its 4 bytes arrive,
 * before anything is buffered for it. Frames are returned without their size prefix; a
 * frame that lies wholly inside one incoming chunk is a zero-copy subarray of it.
 */
export class FrameReader {
  readonly maxFrameSize: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(maxFrameSize: number) {
    this.maxFrameSize = maxFrameSize;
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  /** Feeds a chunk; returns the frames it completed, in order. Throws ProtocolError on a bad size. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let data = chunk;
    if (this.#pendingBytes > 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      // Join only once the pending frame is complete, or to read its size prefix.
      if (this.#pendingBytes < 4) return frames;
      const size = this.#peekSize();
      if (this.#pendingBytes < 4 + size) return frames;
      data = Buffer.concat(this.#pending, this.#pendingBytes);
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    let offset = 0;
    while (data.length - offset >= 4) {
      const size = this.#checkSize(data.readInt32BE(offset));
      if (data.length - offset - 4 < size) break;
      frames.push(data.subarray(offset + 4, offset + 4 + size));
      offset += 4 + size;
    }
    if (offset < data.length) {
      const rest = data.subarray(offset);
      this.#pending = [rest];
      this.#pendingBytes = rest.length;
      if (rest.length >= 4) this.#checkSize(rest.readInt32BE(0));
    }
    return frames;
  }

  #peekSize(): number {
    const head = this.#pending[0]!.length >= 4 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    return this.#checkSize(head.readInt32BE(0));
  }

  #checkSize(size: number): number {
    if (size < 0 || size > this.maxFrameSize) {
      throw new ProtocolError('SAMSA_ERR_PROTOCOL_FRAME_TOO_LARGE',
        `frame size ${size} is outside 0..${this.maxFrameSize} (socket.request.max.bytes)`);
    }
    return size;
  }
}

/** Prefixes encoded pieces with their int32 total size, for a vectored write. */
export function frame(chunks: readonly Buffer[]): Buffer[] {
  let size = 0;
  for (const c of chunks) size += c.length;
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeInt32BE(size, 0);
  return [prefix, ...chunks];
}
