import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from './helpers/broker.ts';
import { assertFailure, assertSuccess } from './helpers/assertions.ts';
import { samsa, startSamsa } from './helpers/run-samsa.ts';
import { testClient } from './helpers/kafka.ts';

interface JsonRecord { partition: number; offset: number; key: string | null; value: string | null; timestampType: string; headers: Array<[string, string | null]> }
const jsonLines = (text: string): JsonRecord[] => text.trimEnd().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as JsonRecord);

describe('samsa console-producer and console-consumer', () => {
  let broker: BrokerProcess;
  let bs: string[];
  before(async () => {
    // Topics are created explicitly here, so that writing to a missing one is an error.
    broker = await startBrokerProcess({ overrides: { 'auto.create.topics.enable': 'false' } });
    bs = ['--bootstrap-server', broker.bootstrap];
    const kafka = testClient(broker.bootstrap);
    for (const topic of ['lines', 'codecs', 'offsets', 'live', 'half']) await kafka.createTopic(topic);
    await kafka.close();
  });
  after(async () => { await broker.stop(); });

  it('sends keys, headers and null markers, and prints them with every print.* property', async () => {
    const produced = await samsa(['console-producer', '--topic', 'lines', '--property', 'parse.key=true', '--property', 'key.separator=:',
      '--property', 'parse.headers=true', 'null.marker=NULL', '--compression-codec', ...bs], {
      input: 'trace:abc,empty:NULL\tuser-1:{"n":1}\n\tuser-2:hello: world\n\tNULL:no key\n\tuser-3:NULL\n',
    });
    assertSuccess(produced);
    assert.equal(produced.stdout, '');

    const consumed = await samsa(['console-consumer', '--topic', 'lines', '--from-beginning', '--max-messages', '4',
      '--property', 'print.key=true', 'print.timestamp=true', 'print.headers=true', 'print.partition=true', 'print.offset=true',
      '--property', 'key.separator= | ', ...bs]);
    assertSuccess(consumed);
    const lines = consumed.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 4, consumed.stdout);
    const rest = lines.map((l) => {
      const m = /^CreateTime:(\d+) \| (.*)$/.exec(l);
      assert.ok(m, l);
      assert.ok(Math.abs(Number(m[1]) - Date.now()) < 60_000, `timestamp ${m[1]} is now`);
      return m[2];
    });
    assert.deepEqual(rest, [
      'Partition:0 | Offset:0 | trace:abc,empty:null | user-1 | {"n":1}',
      'Partition:0 | Offset:1 | NO_HEADERS | user-2 | hello: world',
      'Partition:0 | Offset:2 | NO_HEADERS | null | no key',
      'Partition:0 | Offset:3 | NO_HEADERS | user-3 | null',
    ]);
    assert.equal(consumed.stderr, 'Processed a total of 4 messages\n');
  });

  it('sends in snappy, lz4 and zstd and with each acks setting', async () => {
    const sends = await Promise.all([
      samsa(['console-producer', '--topic', 'codecs', '--compression-codec', 'snappy', '--request-required-acks', '1', ...bs], { input: 'snappy\n' }),
      samsa(['console-producer', '--topic', 'codecs', '--compression-codec', 'lz4', '--request-required-acks', 'all', ...bs], { input: 'lz4\n' }),
      samsa(['console-producer', '--topic', 'codecs', '--producer-property', 'compression.type=zstd', 'acks=0', ...bs], { input: 'zstd\n' }),
    ]);
    for (const s of sends) assertSuccess(s);
    const consumed = await samsa(['console-consumer', '--topic', 'codecs', '--from-beginning', '--max-messages', '3', '--json', ...bs]);
    assertSuccess(consumed);
    assert.deepEqual(jsonLines(consumed.stdout).map((r) => r.value).sort(), ['lz4', 'snappy', 'zstd']);
  });

  it('reads one partition from an offset, and stops after --timeout-ms without records', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `record-${i}`).join('\n') + '\n';
    const sent = await samsa(['console-producer', '--topic', 'offsets', '--sync', '--json', ...bs], { input: lines });
    assertSuccess(sent);
    assert.deepEqual(JSON.parse(sent.stdout), { topic: 'offsets', records: 50 });

    const [fromOffset, tail, latest] = await Promise.all([
      samsa(['console-consumer', '--topic', 'offsets', '--partition', '0', '--offset', '47', '--max-messages', '2', '--json', ...bs]),
      samsa(['console-consumer', '--topic', 'offsets', '--partition', '0', '--offset', '45', '--timeout-ms', '300', ...bs]),
      samsa(['console-consumer', '--topic', 'offsets', '--partition', '0', '--offset', 'latest', '--timeout-ms', '300', ...bs]),
    ]);
    assertSuccess(fromOffset);
    assert.deepEqual(jsonLines(fromOffset.stdout).map((r) => [r.offset, r.value]), [[47, 'record-47'], [48, 'record-48']]);
    assertSuccess(tail);
    assert.equal(tail.stdout, 'record-45\nrecord-46\nrecord-47\nrecord-48\nrecord-49\n');
    assert.equal(tail.stderr, 'Processed a total of 5 messages\n');
    assertSuccess(latest);
    assert.equal(latest.stdout, '');
    assert.equal(latest.stderr, 'Processed a total of 0 messages\n');

    const committed = await samsa(['console-consumer', '--topic', 'offsets', '--from-beginning', '--isolation-level', 'read_committed',
      '--timeout-ms', '500', ...bs]);
    assertSuccess(committed);
    assert.equal(committed.stdout.split('\n').length - 1, 50);
  });

  it('prints records as they arrive until SIGINT', async () => {
    const consumer = startSamsa(['console-consumer', '--topic', 'live', '--from-beginning', '--property', 'print.key=true', ...bs]);
    assertSuccess(await samsa(['console-producer', '--topic', 'live', '--property', 'parse.key=true', 'key.separator=:', ...bs],
      { input: 'a:first\nb:second\n' }));
    await consumer.waitFor(/a\tfirst\nb\tsecond\n/);
    consumer.child.kill('SIGINT');
    const done = await consumer.exited();
    assertSuccess(done);
    assert.equal(done.stdout, 'a\tfirst\nb\tsecond\n');
    assert.equal(done.stderr, 'Processed a total of 2 messages\n');
  });

  it('fails clearly on a missing topic, partition or offset, a bad line and bad flags', async () => {
    const results = await Promise.all([
      samsa(['console-producer', '--topic', 'missing', ...bs], { input: 'x\n' }),
      samsa(['console-consumer', '--topic', 'missing', ...bs]),
      samsa(['console-consumer', '--topic', 'offsets', '--partition', '4', ...bs]),
      samsa(['console-consumer', '--topic', 'offsets', '--partition', '0', '--offset', '5000', ...bs]),
      samsa(['console-consumer', '--topic', 'offsets', '--offset', '3', ...bs]),
      samsa(['console-consumer', '--topic', 'offsets', '--property', 'print.colour=true', ...bs]),
      samsa(['console-consumer', '--topic', 'offsets', '--isolation-level', 'serializable', ...bs]),
      samsa(['console-producer', '--topic', 'offsets', '--request-required-acks', '2', ...bs], { input: 'x\n' }),
      samsa(['console-producer', '--topic', 'offsets', '--producer-property', 'buffer.memory=1', ...bs], { input: 'x\n' }),
      samsa(['console-producer', '--topic', 'offsets', '--compression-codec', 'brotli', ...bs], { input: 'x\n' }),
      samsa(['console-producer', ...bs], { input: 'x\n' }),
      samsa(['console-consumer', '--topic', 'offsets', '--bootstrap-server', '127.0.0.1:1', '--connect-timeout-ms', '300']),
      samsa(['console-producer', '--topic', 'offsets', '--bootstrap-server', '127.0.0.1:1', '--connect-timeout-ms', '300'], { input: 'x\n' }),
    ]);
    const [noTopicP, noTopicC, noPartition, badOffset, offsetAlone, badProperty, badIsolation, badAcks, badProducerProperty, badCodec, noTopicFlag, unreachable, unreachableP] = results;
    assertFailure(noTopicP!, 'console-producer', 1, /topic "missing" does not exist.*auto\.create\.topics\.enable=false/);
    assertFailure(noTopicC!, 'console-consumer', 1, /topic "missing" does not exist/);
    assertFailure(noPartition!, 'console-consumer', 1, /partition 4 does not exist: topic "offsets" has 1 partition/);
    assertFailure(badOffset!, 'console-consumer', 1, /offset 5000 is out of range for partition 0 of "offsets": it holds offsets 0 to 50/);
    assertFailure(offsetAlone!, 'console-consumer', 2, /--offset needs --partition/);
    assertFailure(badProperty!, 'console-consumer', 2, /--property print\.colour is not known/);
    assertFailure(badIsolation!, 'console-consumer', 2, /'serializable' is invalid/);
    assertFailure(badAcks!, 'console-producer', 2, /acks must be all, -1, 0 or 1/);
    assertFailure(badProducerProperty!, 'console-producer', 2, /producer property buffer\.memory is not supported/);
    assertFailure(badCodec!, 'console-producer', 2, /compression codec must be one of none, gzip, snappy, lz4, zstd/);
    assertFailure(noTopicFlag!, 'console-producer', 2, /required option '--topic <topic>' not specified/);
    assertFailure(unreachable!, 'console-consumer', 1, /cannot reach a broker: tried 127\.0\.0\.1:1 \(ECONNREFUSED\) for 0\.\d s/);
    assertFailure(unreachableP!, 'console-producer', 1, /cannot reach a broker: tried 127\.0\.0\.1:1 \(ECONNREFUSED\) for 0\.\d s/);
  });

  it('sends the lines before a line without a key separator, then fails on it', async () => {
    const r = await samsa(['console-producer', '--topic', 'half', '--property', 'parse.key=true', ...bs], { input: 'k\tv1\nk\tv2\nno separator\nk\tv4\n' });
    assertFailure(r, 'console-producer', 1, /no key separator found on line 3: 'no separator'/);
    const consumed = await samsa(['console-consumer', '--topic', 'half', '--from-beginning', '--timeout-ms', '300', ...bs]);
    assert.equal(consumed.stdout, 'v1\nv2\n');
  });
});
