/**
 * The codec round trip that the Python client tests (confluent-kafka.test.ts,
 * kafka-python.test.ts) share: one broker process, and per codec a `python3 -c SCRIPT`
 * that creates a PARTITIONS-partition topic, produces PER_CODEC keyed messages with a
 * ("source", CLIENT) header, reads them back with an assigned consumer and asks
 * ListOffsets by timestamp. The script starts with PY_ARGS and prints one JSON object
 * with "records" and "queries" besides what the client reports about its produce, which
 * the test checks with its own `checkProduced`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { checkConsumed, checkStoredCodec, checkTimeQueries, type ConsumedRecord, type TimeQuery } from '../helpers/interop-check.ts';
import { run } from '../helpers/run.ts';

export const PARTITIONS = 6;
export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
export const PER_CODEC = 100_000 / CODECS.length;

/** The script's arguments, in the order passed below, and the timestamp of record 0. */
export const PY_ARGS = `import json, sys
bootstrap, topic, codec, n, parts = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
base = 1700000000000`;

/** What every script prints; each record is [partition, offset, key, value, timestamp, headers]. */
export interface CodecScriptOutput {
  records: Array<[number, number, string, string, number, Array<[string, string]>]>;
  queries: TimeQuery[];
}

/**
 * `client` names the topics (`${client}-${codec}`) and is the value of the "source"
 * header the script writes.
 */
export function describeCodecInterop<Out extends CodecScriptOutput>(
  title: string, client: string, script: string, timeoutMs: number, checkProduced: (out: Out) => void,
): void {
  describe(title, () => {
    let broker: BrokerProcess;
    before(async () => { broker = await startBrokerProcess(); });
    after(async () => { assert.equal(await broker.stop(), 0); });

    for (const codec of CODECS) {
      it(`${PER_CODEC} keyed messages with headers in ${PARTITIONS} partitions, compression ${codec}; offsets by timestamp`, async () => {
        const topic = `${client}-${codec}`;
        const r = await run('/usr/bin/python3', ['-c', script, broker.bootstrap, topic, codec, String(PER_CODEC), String(PARTITIONS)],
          { timeoutMs });
        assert.equal(r.code, 0, r.stderr);
        const out = JSON.parse(r.stdout) as Out;
        checkProduced(out);
        const records: ConsumedRecord[] = out.records.map(([p, o, k, v, ts, h]) => ({ p, o, k, v, ts, h }));
        checkConsumed(records, PER_CODEC, [['source', client]]);
        assert.equal(new Set(records.map((x) => x.p)).size, PARTITIONS, 'keys spread over every partition');
        checkStoredCodec(broker.dataDir, topic, codec);
        checkTimeQueries(records, out.queries);
      });
    }
  });
}
