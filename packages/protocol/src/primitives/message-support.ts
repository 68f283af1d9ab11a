/**
 * Runtime support for the generated message codecs in ../generated/. Hand-written; the
 * generator (tools/codegen) emits calls to these.
 */
import { ProtocolError } from '../errors.ts';
import { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/** A tagged field the schema of this version does not know, kept so it survives a round trip. */
export interface TaggedField {
  tag: number;
  data: Buffer;
}

/**
 * What an encoder accepts: any field may be left out (it takes the schema's default), and
 * byte fields may be given as a list of chunks (stored record batches from several
 * segment reads are sent without joining them).
 */
export type Input<T> = T extends Buffer
  ? BytesInput
  : T extends bigint | number | string | boolean | null | undefined
    ? T
    : T extends readonly (infer E)[]
      ? readonly Input<E>[]
      : { [K in keyof T]?: Input<T[K]> };

export type BytesInput = Uint8Array | readonly Uint8Array[];

/** A generated message's codec and the schema facts the broker needs about it. */
export interface MessageCodec<T> {
  readonly name: string;
  /** The schema file it was generated from. */
  readonly schema: string;
  readonly type: 'request' | 'response' | 'header' | 'data';
  readonly apiKey: number | null;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** The first flexible version, or null when no valid version is flexible. */
  readonly flexibleMinVersion: number | null;
  read(r: Reader, version: number): T;
  write(w: Writer, version: number, value: Input<T>): void;
  /** A complete value holding every field's default. */
  defaults(): T;
}

export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);
/** The Input of a struct left out: every field takes its default. */
export const NO_FIELDS: Readonly<Record<string, never>> = Object.freeze({});
/** The Input of an array left out. */
export const NO_ITEMS: readonly never[] = Object.freeze([]);

export function bytesLength(b: BytesInput): number {
  if (b instanceof Uint8Array) return b.length;
  let n = 0;
  for (const c of b) n += c.length;
  return n;
}

function writeChunks(w: Writer, b: BytesInput): void {
  if (b instanceof Uint8Array) {
    w.raw(b);
  } else {
    for (const c of b) w.raw(c);
  }
}

export function checkVersion(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ProtocolError('SAMSA_ERR_PROTOCOL_UNSUPPORTED_VERSION', `${name} has no version ${v} (valid: ${min}-${max})`);
  }
}

export function notRepresentable(what: string, v: number): ProtocolError {
  return new ProtocolError('SAMSA_ERR_PROTOCOL_NOT_REPRESENTABLE',
    `${what} holds a non-default value but does not exist in version ${v}`);
}

export function nullNotAllowed(what: string, v: number): ProtocolError {
  return new ProtocolError('SAMSA_ERR_PROTOCOL_NOT_REPRESENTABLE', `${what} is null, which version ${v} does not allow`);
}

export function writeBytes(w: Writer, b: BytesInput): void {
  w.int32(bytesLength(b));
  writeChunks(w, b);
}

export function writeCompactBytes(w: Writer, b: BytesInput): void {
  w.uvarint(bytesLength(b) + 1);
  writeChunks(w, b);
}

export function readNullableArray<T>(r: Reader, compact: boolean, minSize: number, read: (r: Reader) => T): T[] | null {
  const n = compact ? r.compactArrayLength(minSize) : r.arrayLength(minSize);
  if (n < 0) return null;
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(read(r));
  return out;
}

export function readArray<T>(r: Reader, compact: boolean, minSize: number, read: (r: Reader) => T): T[] {
  const out = readNullableArray(r, compact, minSize, read);
  if (out === null) throw new ProtocolError('SAMSA_ERR_PROTOCOL_INVALID_VALUE', 'null in a non-nullable array');
  return out;
}

export function writeArray<T>(w: Writer, compact: boolean, items: readonly T[] | null, write: (w: Writer, item: T) => void): void {
  if (items === null) {
    if (compact) w.uvarint(0);
    else w.int32(-1);
    return;
  }
  if (compact) w.uvarint(items.length + 1);
  else w.int32(items.length);
  for (const item of items) write(w, item);
}

/**
 * Reads a tagged-field section: a count, then (tag, size, bytes) in ascending tag order.
 * `known` reads one known tag from a reader bounded to that field's bytes and returns
 * false for tags it does not know; those are kept as unknown.
 */
export function readTaggedFields(r: Reader, known: (tag: number, r: Reader) => boolean): TaggedField[] | undefined {
  const count = r.uvarint();
  let unknown: TaggedField[] | undefined;
  let last = -1;
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    if (tag <= last) {
      throw new ProtocolError('SAMSA_ERR_PROTOCOL_INVALID_VALUE', `tagged field ${tag} after ${last}: tags must ascend`);
    }
    last = tag;
    const size = r.uvarint();
    const data = r.raw(size, 'tagged field');
    const sub = new Reader(r.buffer, r.offset - size, r.offset);
    if (!known(tag, sub)) (unknown ??= []).push({ tag, data });
  }
  return unknown;
}

/** Writes a tagged-field section from the known fields (ascending) and the unknown ones kept. */
export function writeTaggedFields(w: Writer, known: TaggedField[] | undefined, unknown: readonly Input<TaggedField>[] | undefined): void {
  if (unknown === undefined || unknown.length === 0) {
    if (known === undefined) {
      w.uvarint(0);
      return;
    }
    w.uvarint(known.length);
    for (const f of known) writeTagged(w, f.tag, f.data);
    return;
  }
  const all: { tag: number; data: BytesInput }[] = [...(known ?? [])];
  for (const u of unknown) all.push({ tag: u.tag ?? 0, data: u.data ?? EMPTY_BUFFER });
  all.sort((a, b) => a.tag - b.tag);
  w.uvarint(all.length);
  let last = -1;
  for (const f of all) {
    if (f.tag === last) throw new ProtocolError('SAMSA_ERR_PROTOCOL_NOT_REPRESENTABLE', `tagged field ${f.tag} given twice`);
    last = f.tag;
    writeTagged(w, f.tag, f.data);
  }
}

function writeTagged(w: Writer, tag: number, data: BytesInput): void {
  w.uvarint(tag);
  w.uvarint(bytesLength(data));
  writeChunks(w, data);
}
