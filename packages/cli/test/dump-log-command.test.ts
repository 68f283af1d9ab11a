import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildEndTransactionMarkerBatch, buildRecordBatch, CompressionType, ControlRecordType } from '@samsa/protocol';
import { startBrokerProcess } from './helpers/broker.ts';
import { assertFailure, assertSuccess } from './helpers/assertions.ts';
import { samsa } from './helpers/run-samsa.ts';

describe('samsa dump-log', () => {
  it('prints the batches and records a broker wrote, as text and JSON', async () => {
    const broker = await startBrokerProcess();
    const bs = ['--bootstrap-server', broker.bootstrap];
    try {
      assertSuccess(await samsa(['topics', '--create', '--topic', 'dumped', '--partitions', '1', ...bs]));
      assertSuccess(await samsa(['console-producer', '--topic', 'dumped', '--property', 'parse.key=true', 'key.separator=:',
        'parse.headers=true', '--compression-codec', 'lz4', ...bs], { input: 'source:web\tuser-1:signed up\n\tuser-2:logged in\n' }));
      assertSuccess(await samsa(['console-producer', '--topic', 'dumped', ...bs], { input: 'third\n' }));
    } finally {
      assert.equal(await broker.stop(), 0);
    }
    const dir = join(broker.dataDir, 'dumped-0');
    const segment = join(dir, readdirSync(dir).find((f) => f.endsWith('.log'))!);

    const text = await samsa(['dump-log', segment]);
    assertSuccess(text);
    const lines = text.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `Dumping ${segment}`);
    assert.equal(lines[1], 'Log starting offset: 0');
    assert.match(lines[2]!, /^baseOffset: 0 lastOffset: 1 count: 2 .*producerId: -1 .*isTransactional: false isControl: false .*position: 0 CreateTime: \d+ size: \d+ magic: 2 compresscodec: lz4 crc: \d+ isvalid: true$/);
    assert.match(lines[3]!, /^\| offset: 0 CreateTime: \d+ keySize: 6 valueSize: 9 sequence: -?\d+ headerKeys: \[source\] headers: source:web key: user-1 payload: signed up$/);
    assert.match(lines[4]!, /^\| offset: 1 CreateTime: \d+ keySize: 6 valueSize: 9 sequence: -?\d+ headerKeys: \[\] key: user-2 payload: logged in$/);
    assert.match(lines[5]!, /^baseOffset: 2 lastOffset: 2 count: 1 .*compresscodec: none .*isvalid: true$/);
    assert.match(lines[6]!, /^\| offset: 2 CreateTime: \d+ keySize: -1 valueSize: 5 .* key: null payload: third$/);
    assert.equal(lines.length, 7);

    const json = await samsa(['dump-log', '--files', segment, '--json', '--no-print-data-log']);
    assertSuccess(json);
    const dump = JSON.parse(json.stdout) as { batches: Array<{ baseOffset: number; records: Array<Record<string, unknown>> }> };
    assert.deepEqual(dump.batches.map((b) => b.baseOffset), [0, 2]);
    assert.deepEqual(dump.batches[0]!.records.map((r) => [r.offset, r.keySize, r.headerKeys, 'payload' in r]), [[0, 6, ['source'], false], [1, 6, [], false]]);
  });

  it('shows producer ids, sequences and transaction markers, and fails on a torn tail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-dump-'));
    const file = join(dir, '00000000000000000100.log');
    const txn = buildRecordBatch([{ key: 'k', value: 'in a transaction', timestamp: 1_700_000_000_000 }, { value: 'second', timestamp: 1_700_000_000_005 }],
      { baseOffset: 100n, transactional: true, producerId: 7n, producerEpoch: 3, baseSequence: 41, compression: CompressionType.gzip });
    const marker = buildEndTransactionMarkerBatch({ type: ControlRecordType.COMMIT, producerId: 7n, producerEpoch: 3, coordinatorEpoch: 5,
      timestamp: 1_700_000_000_010, baseOffset: 102n });
    const torn = buildRecordBatch([{ value: 'lost' }], { baseOffset: 103n }).subarray(0, 30);
    writeFileSync(file, Buffer.concat([txn, marker, torn]));

    const r = await samsa(['dump-log', file]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[1], 'Log starting offset: 100');
    assert.match(lines[2]!, /^baseOffset: 100 lastOffset: 101 count: 2 baseSequence: 41 lastSequence: 42 producerId: 7 producerEpoch: 3 partitionLeaderEpoch: -1 isTransactional: true isControl: false deleteHorizonMs: none position: 0 CreateTime: 1700000000005 size: \d+ magic: 2 compresscodec: gzip crc: \d+ isvalid: true$/);
    assert.equal(lines[3], '| offset: 100 CreateTime: 1700000000000 keySize: 1 valueSize: 16 sequence: 41 headerKeys: [] key: k payload: in a transaction');
    assert.equal(lines[4], '| offset: 101 CreateTime: 1700000000005 keySize: -1 valueSize: 6 sequence: 42 headerKeys: [] key: null payload: second');
    assert.match(lines[5]!, /^baseOffset: 102 lastOffset: 102 count: 1 .*producerId: 7 producerEpoch: 3 .*isTransactional: true isControl: true /);
    assert.equal(lines[6], '| offset: 102 CreateTime: 1700000000010 keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] endTxnMarker: COMMIT coordinatorEpoch: 5');
    assert.equal(lines.length, 7);
    assertFailure(r, 'dump-log', 1, new RegExp(`00000000000000000100\\.log: 30 bytes at position ${txn.length + marker.length} are too few|batch at position ${txn.length + marker.length} claims \\d+ bytes, 30 left`));
  });

  it('reports a corrupted batch, a missing file and a file that is not a segment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-dump-'));
    const batch = buildRecordBatch([{ value: 'hello' }]);
    batch[batch.length - 1]! ^= 0xff;
    writeFileSync(join(dir, '00000000000000000000.log'), batch);
    writeFileSync(join(dir, 'notes.txt'), 'x');
    const [corrupt, missing, notSegment, none] = await Promise.all([
      samsa(['dump-log', join(dir, '00000000000000000000.log')]),
      samsa(['dump-log', join(dir, '00000000000000000042.log')]),
      samsa(['dump-log', join(dir, 'notes.txt')]),
      samsa(['dump-log']),
    ]);
    assertFailure(corrupt, 'dump-log', 1, /batch at position 0 \(base offset 0\) fails its CRC check/);
    assert.match(corrupt.stdout, /isvalid: false/);
    assertFailure(missing, 'dump-log', 1, /cannot read .*00000000000000000042\.log: no such file/);
    assertFailure(notSegment, 'dump-log', 1, /not a segment file/);
    assertFailure(none, 'dump-log', 2, /name at least one file/);
  });
});
