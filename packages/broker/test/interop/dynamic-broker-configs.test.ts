/**
 * Dynamic broker configs survive a restart of a real broker process (issue 4). Three clients
 * change them the ways operators do: kafka-python's AlterConfigs on the cluster-wide default
 * (resource name "", what `kafka-configs --entity-default` sends; kafkajs, @platformatic/kafka
 * and librdkafka refuse an empty broker name), kafkajs' AlterConfigs and @platformatic/kafka's
 * IncrementalAlterConfigs on broker 1. After SIGTERM and a start on the same data directory
 * DescribeConfigs reports the values with their dynamic sources over server.properties, and
 * the broker behaves accordingly: a topic without an override takes the dynamic default of
 * message.max.bytes and refuses a larger batch. Then a stored value this release refuses is
 * planted in samsa-metadata.json: the broker still starts, logs a warning naming the key and
 * keeps the other values.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Admin as PAdmin, ConfigResourceTypes } from '@platformatic/kafka';
import { Kafka, logLevel, type Admin, type DescribeConfigResponse } from 'kafkajs';
import { startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.ts';
import { run } from '../helpers/run.ts';

const BROKER = 4;
const ConfigSource = { DYNAMIC_TOPIC_CONFIG: 1, DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

// Static settings, as a server.properties would give them; every start gets the same ones.
const STATIC = { 'message.max.bytes': 1500000, 'log.retention.ms': 7200000 };

const alterDefault = `
import json, sys
from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=20000)
configs = json.loads(sys.argv[2])
response = admin.alter_configs([ConfigResource(ConfigResourceType.BROKER, '', configs=configs)])
admin.close()
print(json.dumps([[r[0], r[1], r[3]] for r in response.resources]))
`;

interface Entry {
  value: string | null;
  source: number;
  synonyms: Array<[string, number]>;
}

async function describeConfigs(admin: Admin, type: number, name: string, keys: string[]): Promise<Map<string, Entry>> {
  const answer: DescribeConfigResponse = await admin.describeConfigs({ resources: [{ type, name, configNames: keys }], includeSynonyms: true });
  const resource = answer.resources[0];
  assert.ok(resource, 'one resource described');
  assert.equal(resource.errorCode, 0, resource.errorMessage ?? '');
  return new Map(resource.configEntries.map((e) => [e.configName, {
    value: e.configValue,
    source: e.configSource,
    synonyms: e.configSynonyms.map((s) => [s.configValue, s.configSource] as [string, number]),
  }]));
}

function errorTypes(err: unknown): string[] {
  const out: string[] = [];
  for (let e = err as { type?: string; cause?: unknown } | undefined; e !== undefined && e !== null; e = e.cause as typeof e) {
    if (e.type !== undefined) out.push(e.type);
  }
  return out;
}

describe('dynamic broker configs across a broker restart', () => {
  let broker: BrokerProcess | undefined;
  after(async () => { await broker?.kill(); });

  it('are kept, reported with their dynamic sources and applied after SIGTERM and a start on the same data', { timeout: 120_000 }, async () => {
    broker = await startBrokerProcess({ overrides: STATIC });
    const dataDir = broker.dataDir;
    const kafka = (b: BrokerProcess) => new Kafka({ clientId: 'samsa-dyn-config', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });

    // --- Before the restart: topics, and dynamic changes from three clients. ---
    let admin = kafka(broker).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'dyn-plain', numPartitions: 1 },
        { topic: 'dyn-own', numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '1000000' }] },
      ],
    });

    const python = await run('/usr/bin/python3', ['-c', alterDefault, broker.bootstrap, JSON.stringify({ 'message.max.bytes': '2000', 'log.retention.ms': '86400000' })], { timeoutMs: 60_000 });
    assert.equal(python.code, 0, python.stderr);
    assert.deepEqual(JSON.parse(python.stdout), [[0, null, '']], 'kafka-python: the cluster-wide default accepted');

    await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: '1', configEntries: [{ name: 'log.retention.ms', value: '3600000' }] }] });
    const padmin = new PAdmin({ clientId: 'samsa-dyn-config', bootstrapBrokers: [broker.bootstrap] });
    await padmin.incrementalAlterConfigs({
      resources: [{ resourceType: ConfigResourceTypes.BROKER, resourceName: '1', configs: [{ name: 'log.segment.bytes', configOperation: 0, value: '1048576' }] }],
    });
    await padmin.close();
    const before = await describeConfigs(admin, BROKER, '1', ['message.max.bytes', 'log.retention.ms', 'log.segment.bytes']);
    assert.equal(before.get('message.max.bytes')?.source, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    assert.equal(before.get('log.segment.bytes')?.source, ConfigSource.DYNAMIC_BROKER_CONFIG);
    await admin.disconnect();

    const stored = JSON.parse(await readFile(join(dataDir, 'samsa-metadata.json'), 'utf8')) as { brokerConfigs?: unknown };
    assert.deepEqual(stored.brokerConfigs, {
      '<default>': { 'message.max.bytes': '2000', 'log.retention.ms': '86400000' },
      1: { 'log.retention.ms': '3600000', 'log.segment.bytes': '1048576' },
    });

    // --- Restart: SIGTERM, same data directory, same static settings. ---
    assert.equal(await broker.stop(), 0, 'broker exits 0 on SIGTERM');
    broker = await startBrokerProcess({ dataDir, overrides: STATIC });
    admin = kafka(broker).admin();
    await admin.connect();

    const after = await describeConfigs(admin, BROKER, '1', ['message.max.bytes', 'log.retention.ms', 'log.segment.bytes', 'num.partitions']);
    assert.deepEqual(after.get('message.max.bytes'), {
      value: '2000',
      source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
      synonyms: [['2000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG], ['1500000', ConfigSource.STATIC_BROKER_CONFIG], ['1048588', ConfigSource.DEFAULT_CONFIG]],
    });
    assert.equal(after.get('log.retention.ms')?.value, '3600000');
    assert.deepEqual(after.get('log.retention.ms')?.synonyms.slice(0, 3), [
      ['3600000', ConfigSource.DYNAMIC_BROKER_CONFIG],
      ['86400000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      ['7200000', ConfigSource.STATIC_BROKER_CONFIG],
    ]);
    assert.equal(after.get('log.retention.ms')?.source, ConfigSource.DYNAMIC_BROKER_CONFIG);
    assert.deepEqual(after.get('log.segment.bytes'), {
      value: '1048576',
      source: ConfigSource.DYNAMIC_BROKER_CONFIG,
      synonyms: [['1048576', ConfigSource.DYNAMIC_BROKER_CONFIG], ['1073741824', ConfigSource.DEFAULT_CONFIG]],
    });
    assert.equal(after.get('num.partitions')?.source, ConfigSource.DEFAULT_CONFIG);

    // A topic without overrides takes the broker's dynamic values; one with its own keeps it.
    const plain = await describeConfigs(admin, 2, 'dyn-plain', ['max.message.bytes', 'retention.ms', 'segment.bytes']);
    assert.deepEqual([plain.get('max.message.bytes')?.value, plain.get('max.message.bytes')?.source], ['2000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG]);
    assert.deepEqual([plain.get('retention.ms')?.value, plain.get('retention.ms')?.source], ['3600000', ConfigSource.DYNAMIC_BROKER_CONFIG]);
    assert.deepEqual([plain.get('segment.bytes')?.value, plain.get('segment.bytes')?.source], ['1048576', ConfigSource.DYNAMIC_BROKER_CONFIG]);
    const own = await describeConfigs(admin, 2, 'dyn-own', ['max.message.bytes']);
    assert.deepEqual([own.get('max.message.bytes')?.value, own.get('max.message.bytes')?.source], ['1000000', ConfigSource.DYNAMIC_TOPIC_CONFIG]);

    // ... and the broker acts on it: a 5 kB batch is too large for dyn-plain, not for dyn-own.
    const producer = kafka(broker).producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    const big = [{ value: 'x'.repeat(5000) }];
    await assert.rejects(producer.send({ topic: 'dyn-plain', acks: -1, messages: big }),
      (err) => errorTypes(err).includes('MESSAGE_TOO_LARGE'), 'the dynamic default message.max.bytes=2000 holds after the restart');
    const [ack] = await producer.send({ topic: 'dyn-own', acks: -1, messages: big });
    assert.equal(ack?.errorCode, 0);
    await producer.send({ topic: 'dyn-plain', acks: -1, messages: [{ value: 'small' }] });
    await producer.disconnect();
    await admin.disconnect();

    // --- A stored value this release refuses does not stop startup. ---
    assert.equal(await broker.stop(), 0, 'broker exits 0 on SIGTERM');
    const file = join(dataDir, 'samsa-metadata.json');
    const state = JSON.parse(await readFile(file, 'utf8')) as { brokerConfigs: Record<string, Record<string, string>> };
    state.brokerConfigs['<default>'] = { ...state.brokerConfigs['<default>'], 'log.roll.ms': '0', 'gone.key': '1' };
    await writeFile(file, JSON.stringify(state));
    broker = await startBrokerProcess({ dataDir, overrides: STATIC });
    const warnings = broker.stderr().split('\n').filter((line) => line.includes('"component":"dynamic-config"'));
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.ok(warnings.some((w) => w.includes('"level":40') && w.includes('log.roll.ms = \\"0\\"')), warnings.join('\n'));
    assert.ok(warnings.some((w) => w.includes('"level":40') && w.includes('gone.key is not a broker config')), warnings.join('\n'));
    admin = kafka(broker).admin();
    await admin.connect();
    const third = await describeConfigs(admin, BROKER, '1', ['message.max.bytes', 'log.roll.ms', 'log.retention.ms']);
    assert.deepEqual([third.get('message.max.bytes')?.value, third.get('message.max.bytes')?.source], ['2000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG]);
    assert.deepEqual([third.get('log.retention.ms')?.value, third.get('log.retention.ms')?.source], ['3600000', ConfigSource.DYNAMIC_BROKER_CONFIG]);
    assert.notEqual(third.get('log.roll.ms')?.source, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    await admin.disconnect();
    assert.equal(await broker.stop(), 0, 'broker exits 0 on SIGTERM');
  });
});
