/**
 * `samsa dump-log`: kafka-dump-log.sh for a partition's files, read straight from disk (no
 * broker needed). A `.log` segment prints each batch (offsets, producer id/epoch,
 * sequences, timestamps, codec, CRC check) and each record (offset, timestamp, key,
 * value, headers; transaction markers for control batches), in Kafka's `key: value`
 * layout so habits and greps carry over. `.index` and `.timeindex` files print their
 * entries. The file is read batch by batch, never whole. Anything that is not a valid
 * batch (bad CRC, lying length, torn tail) is reported and makes the exit code 1, after
 * everything readable has been printed.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DefaultRecord, LegacyRecord, RecordBatch } from '@samsa/protocol';
import { CliError } from './common/cli-error.ts';
import { collect } from './common/arguments.ts';
import { describeError } from './common/describe-error.ts';
import { createOutput, type Output } from './common/output.ts';
import { createTool } from './common/tool.ts';

interface DumpLogOptions {
  files?: string[];
  printDataLog: boolean;
  deepIteration: boolean;
  json?: boolean;
}

/** baseOffset int64, batchLength/messageSize int32, then (v2) partitionLeaderEpoch int32 and magic int8. */
const HEADER_UP_TO_MAGIC = 17;
const LOG_OVERHEAD = 12;
const MIN_ENTRY_SIZE: Record<number, number> = { 0: 26, 1: 34, 2: 61 };

export function dumpLogCommand() {
  return createTool('dump-log', 'print the batches and records of segment files, or index entries (kafka-dump-log.sh)')
    .argument('[file...]', 'segment files (.log), offset indexes (.index) or time indexes (.timeindex)')
    .option('--files <file,...>', 'the same files, comma-separated, as kafka-dump-log.sh takes them (repeatable)', collect)
    .option('--no-deep-iteration', 'print batches only, not their records')
    .option('--no-print-data-log', 'leave keys, values and header values out')
    .option('--json', 'print JSON instead of text')
    .action(async (positional: string[], opts: DumpLogOptions) => {
      const files = [...positional, ...(opts.files ?? []).flatMap((f) => f.split(',')).filter((f) => f !== '')];
      if (files.length === 0) throw new CliError('name at least one file: samsa dump-log <file.log> ...', 2);
      const out = createOutput();
      const problems: string[] = [];
      const results: unknown[] = [];
      for (const [i, file] of files.entries()) {
        if (i > 0 && opts.json !== true) out.line();
        const dump = await dumpFile(file, opts, out, problems);
        if (opts.json === true) results.push(dump);
      }
      if (opts.json === true) out.json(files.length === 1 ? results[0] : results);
      if (problems.length > 0) throw new CliError(problems.join('; '));
    });
}

async function dumpFile(file: string, opts: DumpLogOptions, out: Output, problems: string[]): Promise<object> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : describeError(err)}`);
  }
  try {
    const name = basename(file);
    const m = /^(\d{20})\.(log|index|timeindex)(\.deleted|\.swap|\.cleaned)?$/.exec(name);
    if (m === null) throw new CliError(`${file}: not a segment file: expected <20-digit base offset>.log, .index or .timeindex`);
    const baseOffset = BigInt(m[1]!);
    const text = opts.json !== true;
    if (text) out.line(`Dumping ${file}`);
    if (m[2] === 'log') return await dumpSegment(fh, file, baseOffset, opts, out, problems);
    return await dumpIndex(fh, file, m[2] as 'index' | 'timeindex', baseOffset, opts, out, problems);
  } finally {
    await fh.close();
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await fh.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

async function dumpSegment(fh: FileHandle, file: string, baseOffset: bigint, opts: DumpLogOptions, out: Output, problems: string[]): Promise<object> {
  const { RecordBatch, readLegacyRecords } = await import('@samsa/protocol');
  const text = opts.json !== true;
  const size = (await fh.stat()).size;
  const batches: object[] = [];
  if (text) out.line(`Log starting offset: ${baseOffset}`);
  let position = 0;
  while (position < size) {
    const head = await readAt(fh, position, HEADER_UP_TO_MAGIC);
    if (head.length < HEADER_UP_TO_MAGIC) {
      problems.push(`${file}: ${size - position} bytes at position ${position} are too few for a batch header (torn write?)`);
      break;
    }
    const magic = head.readInt8(16);
    const entrySize = head.readInt32BE(8) + LOG_OVERHEAD;
    const minSize = MIN_ENTRY_SIZE[magic];
    if (minSize === undefined) {
      problems.push(`${file}: unknown magic ${magic} at position ${position}`);
      break;
    }
    if (entrySize < minSize || entrySize > size - position) {
      problems.push(`${file}: batch at position ${position} claims ${entrySize} bytes, ${size - position} left (torn write?)`);
      break;
    }
    const bytes = await readAt(fh, position, entrySize);
    if (magic === 2) {
      const batch = new RecordBatch(bytes);
      batches.push(describeBatch(batch, position, opts, out, (msg) => problems.push(`${file}: ${msg}`)));
    } else {
      const entry: object[] = [];
      try {
        for (const r of readLegacyRecords(bytes)) entry.push(describeLegacy(r, position, entrySize, opts, out));
      } catch (err) {
        problems.push(`${file}: magic ${magic} message at position ${position}: ${describeError(err)}`);
      }
      batches.push(...entry);
    }
    position += entrySize;
  }
  return { file, baseOffset, batches };
}

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const codecName = (c: number): string => CODECS[c] ?? `unknown(${c})`;

function describeBatch(batch: RecordBatch, position: number, opts: DumpLogOptions, out: Output, problem: (msg: string) => void): object {
  const timestampType = batch.timestampType === 1 ? 'LogAppendTime' : 'CreateTime';
  const valid = batch.isValid();
  if (!valid) problem(`batch at position ${position} (base offset ${batch.baseOffset}) fails its CRC check`);
  const info = {
    baseOffset: batch.baseOffset,
    lastOffset: batch.lastOffset,
    count: batch.recordCount,
    baseSequence: batch.baseSequence,
    lastSequence: batch.lastSequence,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    isTransactional: batch.isTransactional,
    isControl: batch.isControl,
    deleteHorizonMs: batch.deleteHorizonMs,
    position,
    timestampType,
    maxTimestamp: batch.maxTimestamp,
    size: batch.sizeInBytes,
    magic: 2,
    compresscodec: codecName(batch.compression),
    crc: batch.crc,
    isvalid: valid,
  };
  const text = opts.json !== true;
  if (text) {
    out.line(`baseOffset: ${info.baseOffset} lastOffset: ${info.lastOffset} count: ${info.count} baseSequence: ${info.baseSequence} `
      + `lastSequence: ${info.lastSequence} producerId: ${info.producerId} producerEpoch: ${info.producerEpoch} `
      + `partitionLeaderEpoch: ${info.partitionLeaderEpoch} isTransactional: ${info.isTransactional} isControl: ${info.isControl} `
      + `deleteHorizonMs: ${info.deleteHorizonMs ?? 'none'} position: ${position} ${timestampType}: ${info.maxTimestamp} `
      + `size: ${info.size} magic: 2 compresscodec: ${info.compresscodec} crc: ${info.crc} isvalid: ${valid}`);
  }
  if (!opts.deepIteration || !valid) return info;
  const records: object[] = [];
  try {
    for (const r of batch.records()) records.push(describeRecord(batch, r, opts, out));
  } catch (err) {
    problem(`records of the batch at position ${position}: ${describeError(err)}`);
  }
  return { ...info, records };
}

function describeRecord(batch: RecordBatch, r: DefaultRecord, opts: DumpLogOptions, out: Output): object {
  const timestampType = batch.timestampType === 1 ? 'LogAppendTime' : 'CreateTime';
  const sequence = batch.baseSequence < 0 ? -1 : (batch.baseSequence + r.offsetDelta) % 2 ** 31;
  const base = {
    offset: r.offset,
    timestampType,
    timestamp: r.timestamp,
    keySize: r.key?.length ?? -1,
    valueSize: r.value?.length ?? -1,
    sequence,
    headerKeys: r.headers.map((h) => h.key),
  };
  let extra: Record<string, unknown> = {};
  if (batch.isControl) {
    extra = controlRecord(r);
  } else if (opts.printDataLog) {
    extra = {
      key: r.key?.toString('utf8') ?? null,
      payload: r.value?.toString('utf8') ?? null,
      headers: r.headers.map((h) => [h.key, h.value?.toString('utf8') ?? null]),
    };
  }
  if (opts.json !== true) {
    let line = `| offset: ${base.offset} ${timestampType}: ${base.timestamp} keySize: ${base.keySize} valueSize: ${base.valueSize} `
      + `sequence: ${sequence} headerKeys: [${base.headerKeys.join(',')}]`;
    if ('endTxnMarker' in extra) line += ` endTxnMarker: ${String(extra.endTxnMarker)} coordinatorEpoch: ${String(extra.coordinatorEpoch)}`;
    else if ('controlType' in extra) line += ` controlType: ${String(extra.controlType)}`;
    else if (opts.printDataLog) {
      const headers = (extra.headers as Array<[string, string | null]>).map(([k, v]) => `${k}:${v ?? 'null'}`).join(',');
      line += `${headers === '' ? '' : ` headers: ${headers}`} key: ${String(extra.key)} payload: ${String(extra.payload)}`;
    }
    out.line(line);
  }
  return { ...base, ...extra };
}

/** A control record's key is version int16 + type int16; ABORT (0) and COMMIT (1) carry version int16 + coordinatorEpoch int32. */
function controlRecord(r: DefaultRecord): Record<string, unknown> {
  if (r.key === null || r.key.length < 4) return { controlType: 'invalid key' };
  const type = r.key.readInt16BE(2);
  if ((type === 0 || type === 1) && r.value !== null && r.value.length >= 6) {
    return { endTxnMarker: type === 0 ? 'ABORT' : 'COMMIT', coordinatorEpoch: r.value.readInt32BE(2) };
  }
  return { controlType: type };
}

function describeLegacy(r: LegacyRecord, position: number, size: number, opts: DumpLogOptions, out: Output): object {
  const timestampType = r.timestampType === 1 ? 'LogAppendTime' : r.timestampType === 0 ? 'CreateTime' : 'NoTimestampType';
  const info = {
    offset: r.offset,
    position,
    timestampType,
    timestamp: r.timestamp,
    size,
    magic: r.magic,
    compresscodec: codecName(r.attributes & 0x07),
    keySize: r.key?.length ?? -1,
    valueSize: r.value?.length ?? -1,
    ...(opts.printDataLog ? { key: r.key?.toString('utf8') ?? null, payload: r.value?.toString('utf8') ?? null } : {}),
  };
  if (opts.json !== true) {
    out.line(`offset: ${r.offset} position: ${position} ${timestampType}: ${r.timestamp} size: ${size} magic: ${r.magic} `
      + `compresscodec: ${info.compresscodec} keySize: ${info.keySize} valueSize: ${info.valueSize}`
      + (opts.printDataLog ? ` key: ${String(info.key)} payload: ${String(info.payload)}` : ''));
  }
  return info;
}

/**
 * OffsetIndex: 8-byte entries (relative offset int32, position int32); TimeIndex: 12-byte
 * entries (timestamp int64, relative offset int32). Preallocated space after the last
 * entry is zeros, which is where a dump stops.
 */
async function dumpIndex(fh: FileHandle, file: string, kind: 'index' | 'timeindex', baseOffset: bigint, opts: DumpLogOptions,
  out: Output, problems: string[]): Promise<object> {
  const entrySize = kind === 'index' ? 8 : 12;
  const bytes = await readAt(fh, 0, (await fh.stat()).size);
  const entries: object[] = [];
  for (let pos = 0; pos + entrySize <= bytes.length; pos += entrySize) {
    if (kind === 'index') {
      const relative = bytes.readInt32BE(pos);
      const position = bytes.readInt32BE(pos + 4);
      if (pos > 0 && relative === 0 && position === 0) break;
      const entry = { offset: baseOffset + BigInt(relative), position };
      entries.push(entry);
      if (opts.json !== true) out.line(`offset: ${entry.offset} position: ${position}`);
    } else {
      const timestamp = bytes.readBigInt64BE(pos);
      const relative = bytes.readInt32BE(pos + 8);
      if (timestamp === 0n && relative === 0) break;
      const entry = { timestamp, offset: baseOffset + BigInt(relative) };
      entries.push(entry);
      if (opts.json !== true) out.line(`timestamp: ${timestamp} offset: ${entry.offset}`);
    }
  }
  if (bytes.length % entrySize !== 0) problems.push(`${file}: size ${bytes.length} is not a multiple of the ${entrySize}-byte entry`);
  return { file, baseOffset, kind, entries };
}
