/**
 * Dynamic broker configs across restarts, through a real server.properties file and a real
 * LocalMetadataStore, wired as Broker.start wires them: restore at startup, every accepted
 * change handed to the store. Kafka's precedence after a restart: per-broker dynamic >
 * cluster-wide dynamic default > static > default, with the sources DescribeConfigs reports.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCode } from '@samsa/protocol';
import { LocalMetadataStore } from '../../src/cluster/local-metadata-store.ts';
import { AlterConfigOpType } from '../../src/config/alter-config-op.ts';
import { type BrokerConfig, type DynamicLevel, dynamicUpdateRefusal, loadBrokerConfig } from '../../src/config/broker-config.ts';
import { ConfigSource, password } from '../../src/config/config-key.ts';
import { renderConfigReference } from '../../src/config/config-reference.ts';
import { brokerConfigs } from '../../src/config/config-table.ts';

const { SET, DELETE } = AlterConfigOpType;

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface Node {
  readonly config: BrokerConfig;
  readonly store: LocalMetadataStore;
  readonly restoreWarnings: readonly string[];
}

/** A data dir and a server.properties in it; `boot` starts "a broker" on them the way Broker.start does, up to where config is read. */
async function machine(properties: string): Promise<{ dir: string; boot: () => Promise<Node> }> {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-dyn-config-'));
  dirs.push(dir);
  const file = join(dir, 'server.properties');
  await writeFile(file, `log.dirs=${dir}\n${properties}`);
  return {
    dir,
    async boot() {
      const config = loadBrokerConfig({ file });
      const nodeId = config.get('node.id');
      const store = await LocalMetadataStore.open({ logDirs: config.get('log.dirs'), nodeId, broker: () => ({ nodeId, host: 'localhost', port: 9092, rack: null }) });
      const restoreWarnings = config.restoreDynamic({ perBroker: store.dynamicBrokerConfigs(nodeId), clusterDefault: store.dynamicBrokerConfigs('default') });
      config.persistDynamicTo((level, configs) => store.setDynamicBrokerConfigs(level === 'broker' ? nodeId : 'default', { ...configs }));
      return { config, store, restoreWarnings };
    },
  };
}

function described(config: BrokerConfig, name: string): { value: string | null; source: number; synonyms: Array<[string, string | null, number]> } {
  const [entry] = config.describe([name]);
  assert.ok(entry, name);
  return { value: entry.value, source: entry.source, synonyms: entry.synonyms.map((s) => [s.name, s.value, s.source]) };
}

async function restart(node: Node, boot: () => Promise<Node>): Promise<Node> {
  await node.config.persisted();
  await node.store.close();
  return boot();
}

describe('dynamic broker configs across a restart', () => {
  it('per-broker > cluster-wide default > server.properties > default, with Kafka\'s sources and synonyms', async () => {
    const { boot } = await machine('message.max.bytes=1500000\nlog.retention.hours=24\n');
    let node = await boot();
    const opts = (level: DynamicLevel) => ({ level });
    assert.equal(node.config.incrementalAlter([{ name: 'message.max.bytes', op: SET, value: '3000000' }], opts('cluster')).errorCode, 0);
    assert.equal(node.config.incrementalAlter([{ name: 'message.max.bytes', op: SET, value: '4000000' }], opts('broker')).errorCode, 0);
    assert.equal(node.config.incrementalAlter([{ name: 'log.retention.ms', op: SET, value: '60000' }], opts('cluster')).errorCode, 0);

    node = await restart(node, boot);
    assert.deepEqual(node.restoreWarnings, []);
    assert.equal(node.config.get('message.max.bytes'), 4000000);
    assert.deepEqual(described(node.config, 'message.max.bytes'), {
      value: '4000000',
      source: ConfigSource.DYNAMIC_BROKER_CONFIG,
      synonyms: [
        ['message.max.bytes', '4000000', ConfigSource.DYNAMIC_BROKER_CONFIG],
        ['message.max.bytes', '3000000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
        ['message.max.bytes', '1500000', ConfigSource.STATIC_BROKER_CONFIG],
        ['message.max.bytes', '1048588', ConfigSource.DEFAULT_CONFIG],
      ],
    });
    // The dynamic .ms form wins over the static .hours form, as in Kafka.
    assert.equal(node.config.logRetentionMs, 60000);
    assert.deepEqual(described(node.config, 'log.retention.ms').synonyms, [
      ['log.retention.ms', '60000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      ['log.retention.hours', '24', ConfigSource.STATIC_BROKER_CONFIG],
      ['log.retention.hours', '168', ConfigSource.DEFAULT_CONFIG],
    ]);

    // Deleting a level falls back to the next one, and that survives a restart too.
    assert.equal(node.config.incrementalAlter([{ name: 'message.max.bytes', op: DELETE, value: null }], opts('broker')).errorCode, 0);
    node = await restart(node, boot);
    assert.deepEqual(described(node.config, 'message.max.bytes').synonyms.map(([, value, source]) => [value, source]), [
      ['3000000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      ['1500000', ConfigSource.STATIC_BROKER_CONFIG],
      ['1048588', ConfigSource.DEFAULT_CONFIG],
    ]);
    assert.equal(node.config.incrementalAlter([{ name: 'message.max.bytes', op: DELETE, value: null }], opts('cluster')).errorCode, 0);
    node = await restart(node, boot);
    assert.equal(described(node.config, 'message.max.bytes').source, ConfigSource.STATIC_BROKER_CONFIG);
    assert.equal(node.config.get('message.max.bytes'), 1500000);
    await node.store.close();
  });

  it('legacy AlterConfigs replaces the stored level as a whole', async () => {
    const { boot } = await machine('');
    let node = await boot();
    node.config.incrementalAlter([{ name: 'log.retention.ms', op: SET, value: '1000' }, { name: 'message.max.bytes', op: SET, value: '2000' }], { level: 'cluster' });
    node.config.alter([{ name: 'message.max.bytes', value: '3000' }], { level: 'cluster' });
    node = await restart(node, boot);
    assert.deepEqual(node.config.dynamicLayers(), { perBroker: {}, clusterDefault: { 'message.max.bytes': '3000' } });
    assert.equal(node.config.get('log.retention.ms'), null);
    await node.store.close();
  });

  it('stores nothing for validateOnly or a refused change', async () => {
    const { dir, boot } = await machine('');
    let node = await boot();
    assert.equal(node.config.incrementalAlter([{ name: 'message.max.bytes', op: SET, value: '2000' }], { level: 'cluster', validateOnly: true }).errorCode, 0);
    const refused = node.config.incrementalAlter([
      { name: 'message.max.bytes', op: SET, value: '2000' },
      { name: 'num.partitions', op: SET, value: '3' },
    ], { level: 'broker' });
    assert.equal(refused.errorCode, ErrorCode.INVALID_REQUEST);
    node = await restart(node, boot);
    assert.deepEqual(node.config.dynamicLayers(), { perBroker: {}, clusterDefault: {} });
    const state = JSON.parse(await readFile(join(dir, 'samsa-metadata.json'), 'utf8')) as Record<string, unknown>;
    assert.equal('brokerConfigs' in state, false);
    await node.store.close();
  });

  it('a change whose value equals the one in force is stored all the same (it now outranks the file)', async () => {
    const { boot } = await machine('message.max.bytes=2000\n');
    let node = await boot();
    const result = node.config.incrementalAlter([{ name: 'message.max.bytes', op: SET, value: '2000' }], { level: 'cluster' });
    assert.deepEqual(result.changes, []);
    node = await restart(node, boot);
    assert.equal(described(node.config, 'message.max.bytes').source, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    await node.store.close();
  });

  it('persisted() waits for the store; a failed write rejects it, leaves the change in force, and the next write carries it', async () => {
    const config = loadBrokerConfig();
    const kept: Array<[DynamicLevel, Readonly<Record<string, string>>]> = [];
    let fail = true;
    config.persistDynamicTo(async (level, configs) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (fail) throw new Error('disk full');
      kept.push([level, configs]);
    });
    config.incrementalAlter([{ name: 'message.max.bytes', op: SET, value: '2000' }], { level: 'cluster' });
    await assert.rejects(config.persisted(), /disk full/);
    assert.equal(config.get('message.max.bytes'), 2000);
    fail = false;
    config.incrementalAlter([{ name: 'log.retention.ms', op: SET, value: '1000' }], { level: 'cluster' });
    await config.persisted();
    assert.deepEqual(kept, [['cluster', { 'message.max.bytes': '2000', 'log.retention.ms': '1000' }]]);
    await config.persisted();
  });

  it('a sink that throws synchronously does not break the change either', async () => {
    const config = loadBrokerConfig();
    config.persistDynamicTo(() => { throw new Error('no store'); });
    assert.equal(config.incrementalAlter([{ name: 'message.max.bytes', op: SET, value: '2000' }], { level: 'broker' }).errorCode, 0);
    await assert.rejects(config.persisted(), /no store/);
    assert.equal(config.get('message.max.bytes'), 2000);
  });
});

describe('restoring what a store kept', () => {
  it('skips values this release refuses, each with a warning naming the key, and keeps the rest', async () => {
    const { boot } = await machine('');
    const first = await boot();
    await first.store.setDynamicBrokerConfigs('default', {
      'message.max.bytes': '2000',
      'log.segment.bytes': '1',
      'gone.key': 'x',
      'num.partitions': '3',
      listeners: 'PLAINTEXT://127.0.0.1:9999',
    });
    await first.store.setDynamicBrokerConfigs(1, { 'log.retention.ms': 'soon', 'num.io.threads': '4' });
    await first.store.close();
    const node = await boot();
    const expected: Array<[string, RegExp]> = [
      ['log.segment.bytes', /^stored dynamic cluster-wide default ignored: log\.segment\.bytes = "1".*not at least 14/],
      ['gone.key', /^stored dynamic cluster-wide default ignored: gone\.key is not a broker config/],
      ['num.partitions', /^stored dynamic cluster-wide default ignored: num\.partitions cannot be changed while the broker runs/],
      ['listeners', /^stored dynamic cluster-wide default ignored: listeners can only be changed for one broker/],
      ['log.retention.ms', /^stored dynamic per-broker config ignored: log\.retention\.ms = "soon".*not a long/],
    ];
    assert.equal(node.restoreWarnings.length, expected.length, node.restoreWarnings.join('\n'));
    for (const [key, pattern] of expected) assert.ok(node.restoreWarnings.some((w) => pattern.test(w)), `a warning for ${key}`);
    assert.equal(node.config.get('message.max.bytes'), 2000);
    assert.equal(node.config.get('num.io.threads'), 4);
    assert.equal(node.config.get('log.segment.bytes'), 1073741824);
    assert.equal(node.config.get('num.partitions'), 1);
    assert.equal(node.config.get('listeners')[0]?.port, 9092);
    // The store keeps what it had: a release that accepts the value again gets it back.
    assert.equal(node.store.dynamicBrokerConfigs('default')['gone.key'], 'x');
    await node.store.close();
  });

  it('values that are fine alone but clash drop one at a time, the key a problem is about first', () => {
    const config = loadBrokerConfig();
    const warnings = config.restoreDynamic({
      perBroker: { 'log.cleaner.min.compaction.lag.ms': '10', 'message.max.bytes': '3000' },
      clusterDefault: { 'log.cleaner.max.compaction.lag.ms': '5' },
    });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^stored dynamic per-broker config ignored: log\.cleaner\.min\.compaction\.lag\.ms = "10" does not fit/);
    assert.equal(config.get('log.cleaner.max.compaction.lag.ms'), 5);
    assert.equal(config.get('log.cleaner.min.compaction.lag.ms'), 0);
    assert.equal(config.get('message.max.bytes'), 3000);
  });

  it('when the clash is reported on a static key, the dynamic key its message names is the one dropped', () => {
    const config = loadBrokerConfig({ overrides: { 'log.cleaner.min.compaction.lag.ms': '1000' } });
    const warnings = config.restoreDynamic({ perBroker: { 'message.max.bytes': '3000', 'log.cleaner.max.compaction.lag.ms': '500' } });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /ignored: log\.cleaner\.max\.compaction\.lag\.ms = "500"/);
    assert.equal(config.get('message.max.bytes'), 3000);
    assert.equal(config.get('log.cleaner.max.compaction.lag.ms'), 9007199254740991);
  });

  it('restoring does not write back to the store', () => {
    const config = loadBrokerConfig();
    let writes = 0;
    config.persistDynamicTo(async () => { writes++; });
    assert.deepEqual(config.restoreDynamic({ clusterDefault: { 'message.max.bytes': '3000' } }), []);
    assert.equal(writes, 0);
  });
});

describe('password-type keys are never dynamic (nothing to encrypt them with)', () => {
  const passwordKeys = Object.entries(brokerConfigs).filter(([, key]) => key.type === 'password').map(([name]) => name);

  it('the table has password keys to check', () => {
    assert.ok(passwordKeys.length >= 3, passwordKeys.join(', '));
  });

  it('every password key is refused at both levels, by both APIs, and never reaches the store', () => {
    const config = loadBrokerConfig();
    let writes = 0;
    config.persistDynamicTo(async () => { writes++; });
    for (const name of passwordKeys) {
      for (const level of ['broker', 'cluster'] as const) {
        assert.equal(config.incrementalAlter([{ name, op: SET, value: 'secret' }], { level }).errorCode, ErrorCode.INVALID_REQUEST, `${name} ${level}`);
        assert.equal(config.alter([{ name, value: 'secret' }], { level }).errorCode, ErrorCode.INVALID_REQUEST, `${name} ${level}`);
      }
    }
    assert.equal(writes, 0);
    assert.ok(!JSON.stringify(config.dynamicLayers()).includes('secret'));
  });

  it('a password key made dynamic some day is still refused, with a message that says why', () => {
    const future = password({ default: null, importance: 'low', doc: 'a future dynamic secret', updateMode: 'cluster-wide' });
    for (const level of ['broker', 'cluster'] as const) {
      const refusal = dynamicUpdateRefusal('some.future.password', future, level);
      assert.equal(refusal?.errorCode, ErrorCode.INVALID_REQUEST);
      assert.match(refusal?.errorMessage ?? '', /some\.future\.password is a password.*stored in clear.*password\.encoder\.secret.*config file/);
    }
    assert.equal(dynamicUpdateRefusal('message.max.bytes', brokerConfigs['message.max.bytes'], 'cluster'), null);
  });

  it('the configuration reference says so, and says where dynamic values are kept', () => {
    const reference = renderConfigReference();
    assert.match(reference, /Password keys cannot be\s+changed at run time: Kafka keeps dynamic passwords encrypted with `password\.encoder\.secret`/);
    assert.match(reference, /`samsa-metadata\.json`/);
  });

  it('a password found in a store is ignored with a warning that does not print it', () => {
    const config = loadBrokerConfig();
    const warnings = config.restoreDynamic({ perBroker: { 'ssl.key.password': 'hunter2' } });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /ssl\.key\.password/);
    assert.ok(!warnings[0]?.includes('hunter2'));
    assert.equal(config.get('ssl.key.password'), null);
  });
});
