/**
 * `samsa configs`: kafka-configs.sh for topics and brokers. --describe shows the dynamic
 * overrides (--all: every config with its source); --alter applies --add-config and
 * --delete-config in one IncrementalAlterConfigs request (KIP-339), so nothing not named
 * is touched.
 */
import type { Admin, ConfigDescription, Connection, incrementalAlterConfigsV1 } from '@platformatic/kafka';
import { Option } from 'commander';
import { addConnectionOptions, parseBootstrapServers, reachBootstrap, type ConnectionOptions } from './common/bootstrap.ts';
import { CliError, usageError } from './common/cli-error.ts';
import { closeAll, openAdmin } from './common/clients.ts';
import { collect, parseConfigList } from './common/arguments.ts';
import { AlterConfigOp, ConfigResourceType, ConfigSource, configSourceName } from './common/kafka-constants.ts';
import { createOutput, type Output } from './common/output.ts';
import { createTool } from './common/tool.ts';

interface ConfigsOptions extends ConnectionOptions {
  describe?: boolean;
  alter?: boolean;
  entityType?: 'topics' | 'brokers';
  entityName?: string;
  entityDefault?: boolean;
  topic?: string;
  broker?: string;
  brokerDefaults?: boolean;
  addConfig?: string[];
  deleteConfig?: string[];
  all?: boolean;
  json?: boolean;
}

interface Entity {
  type: 'topics' | 'brokers';
  /** '' is the cluster-wide broker default. */
  name: string;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: string;
  readOnly: boolean;
  sensitive: boolean;
}

const DYNAMIC_SOURCES: ReadonlySet<number> = new Set([
  ConfigSource.DYNAMIC_TOPIC_CONFIG, ConfigSource.DYNAMIC_BROKER_CONFIG, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
]);

export function configsCommand() {
  const cmd = createTool('configs', 'describe and alter topic and broker configs (kafka-configs.sh)')
    .option('--describe', 'show configs')
    .option('--alter', 'change configs')
    .addOption(new Option('--entity-type <type>', 'what the configs belong to').choices(['topics', 'brokers']))
    .option('--entity-name <name>', 'the topic name or broker id')
    .option('--entity-default', 'with --entity-type brokers: the cluster-wide default')
    .option('--topic <topic>', 'same as --entity-type topics --entity-name <topic>')
    .option('--broker <id>', 'same as --entity-type brokers --entity-name <id>')
    .option('--broker-defaults', 'same as --entity-type brokers --entity-default')
    .option('--add-config <k=v,...>', 'configs to set: k1=v1,k2=[a,b] (repeatable)', collect)
    .option('--delete-config <k,...>', 'configs to remove, back to their default (repeatable)', collect)
    .option('--all', 'with --describe: every config, not only the overrides')
    .option('--json', 'print JSON instead of text');
  return addConnectionOptions(cmd).action(async (opts: ConfigsOptions) => {
    if ((opts.describe === true) === (opts.alter === true)) throw usageError('exactly one of --describe, --alter is required');
    const entity = resolveEntity(opts);
    const out = createOutput();
    if (opts.alter === true) {
      if (entity.name === undefined) throw usageError('--alter needs --entity-name (or --entity-default for brokers)');
      const sets = (opts.addConfig ?? []).flatMap(parseConfigList);
      const deletes = (opts.deleteConfig ?? []).flatMap((d) => d.split(',')).map((k) => k.trim()).filter((k) => k !== '');
      if (sets.length === 0 && deletes.length === 0) throw usageError('--alter needs --add-config or --delete-config');
      const both = sets.map(([k]) => k).filter((k) => deletes.includes(k));
      if (both.length > 0) throw usageError(`${both.join(', ')} both added and deleted`);
      const admin = await openAdmin(opts, 'samsa-configs');
      try {
        await alter(admin, opts, { type: entity.type, name: entity.name }, sets, deletes);
      } finally {
        await closeAll(admin);
      }
      if (opts.json === true) out.json({ entityType: entity.type, entityName: entity.name, set: Object.fromEntries(sets), deleted: deletes });
      else out.line(`Completed updating ${entity.name === '' ? 'default config for brokers in the cluster' : `config for ${label({ type: entity.type, name: entity.name })}`}.`);
      return;
    }
    if (opts.addConfig !== undefined || opts.deleteConfig !== undefined) throw usageError('--add-config and --delete-config go with --alter');
    const admin = await openAdmin(opts, 'samsa-configs');
    try {
      await describe(admin, out, entity, opts);
    } finally {
      await closeAll(admin);
    }
  });
}

function resolveEntity(opts: ConfigsOptions): { type: 'topics' | 'brokers'; name: string | undefined } {
  const given: Array<{ type: 'topics' | 'brokers'; name: string | undefined }> = [];
  if (opts.entityType !== undefined) {
    if (opts.entityDefault === true && opts.entityName !== undefined) throw usageError('--entity-name and --entity-default exclude each other');
    if (opts.entityDefault === true && opts.entityType !== 'brokers') throw usageError('--entity-default goes with --entity-type brokers');
    given.push({ type: opts.entityType, name: opts.entityDefault === true ? '' : opts.entityName });
  } else if (opts.entityName !== undefined || opts.entityDefault === true) {
    throw usageError('--entity-name needs --entity-type topics|brokers');
  }
  if (opts.topic !== undefined) given.push({ type: 'topics', name: opts.topic });
  if (opts.broker !== undefined) given.push({ type: 'brokers', name: opts.broker });
  if (opts.brokerDefaults === true) given.push({ type: 'brokers', name: '' });
  if (given.length !== 1) throw usageError('name one entity: --entity-type topics|brokers [--entity-name N], --topic T, --broker ID or --broker-defaults');
  const entity = given[0]!;
  if (entity.type === 'brokers' && entity.name !== undefined && entity.name !== '' && !/^\d+$/.test(entity.name)) {
    throw usageError(`broker "${entity.name}" is not a broker id (a whole number)`);
  }
  return entity;
}

function label(e: Entity): string {
  if (e.type === 'topics') return `topic ${e.name}`;
  return e.name === '' ? 'brokers (cluster-wide default)' : `broker ${e.name}`;
}

async function alter(admin: Admin, conn: ConnectionOptions, entity: Entity, sets: Array<[string, string]>, deletes: string[]): Promise<void> {
  const resource: incrementalAlterConfigsV1.IncrementalAlterConfigsRequestResource = {
    resourceType: entity.type === 'topics' ? ConfigResourceType.TOPIC : ConfigResourceType.BROKER,
    resourceName: entity.name,
    configs: [
      ...sets.map(([name, value]) => ({ name, value, configOperation: AlterConfigOp.SET })),
      ...deletes.map((name) => ({ name, value: null, configOperation: AlterConfigOp.DELETE })),
    ],
  };
  if (entity.type === 'brokers' && entity.name === '') {
    const { incrementalAlterConfigsV1 } = await import('@platformatic/kafka');
    await onBootstrapBroker(conn, (c) => incrementalAlterConfigsV1.api.async(c, [resource], false));
    return;
  }
  await admin.incrementalAlterConfigs({ resources: [resource] });
}

/**
 * The cluster-wide broker default is the BROKER resource named "". @platformatic/kafka
 * 2.12 routes every BROKER resource to the broker whose id is Number(name), so "" goes to
 * a broker 0 that need not exist; requests for it are sent here, to a bootstrap broker,
 * with the library's own request codecs.
 */
async function onBootstrapBroker<T>(conn: ConnectionOptions, fn: (c: Connection) => Promise<T>): Promise<T> {
  await reachBootstrap(conn);
  const [address] = parseBootstrapServers(conn.bootstrapServer);
  const { Connection } = await import('@platformatic/kafka');
  const connection = new Connection('samsa-configs');
  await connection.connect(address!.host, address!.port);
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}

async function describeResources(admin: Admin, conn: ConnectionOptions, entities: Entity[]): Promise<ConfigDescription[]> {
  const resources = entities.map((e) => ({
    resourceType: e.type === 'topics' ? ConfigResourceType.TOPIC : ConfigResourceType.BROKER,
    resourceName: e.name,
  }));
  if (entities.length === 1 && entities[0]!.type === 'brokers' && entities[0]!.name === '') {
    const { describeConfigsV4 } = await import('@platformatic/kafka');
    const response = await onBootstrapBroker(conn, (c) => describeConfigsV4.api.async(c, resources, false, false));
    return response.results.map((r) => ({ resourceType: r.resourceType, resourceName: r.resourceName, configs: r.configs }));
  }
  return admin.describeConfigs({ resources });
}

async function describe(admin: Admin, out: Output, entity: { type: 'topics' | 'brokers'; name: string | undefined }, opts: ConfigsOptions): Promise<void> {
  let entities: Entity[];
  if (entity.name !== undefined) {
    entities = [{ type: entity.type, name: entity.name }];
    if (entity.type === 'topics' && !(await admin.listTopics({ includeInternals: true })).includes(entity.name)) {
      throw new CliError(`topic "${entity.name}" does not exist`);
    }
  } else if (entity.type === 'topics') {
    entities = (await admin.listTopics({ includeInternals: true })).sort().map((name) => ({ type: 'topics', name }));
  } else {
    const metadata = await admin.metadata({ topics: [] });
    entities = [...metadata.brokers.keys()].sort((a, b) => a - b).map((id) => ({ type: 'brokers', name: String(id) }));
  }
  if (entities.length === 0) {
    if (opts.json === true) out.json([]);
    return;
  }
  const described = await describeResources(admin, opts, entities);
  const results = entities.map((e, i) => {
    const d = described.find((r) => r.resourceName === e.name) ?? described[i];
    const configs: ConfigEntry[] = (d?.configs ?? [])
      .filter((c) => opts.all === true || DYNAMIC_SOURCES.has(c.configSource))
      .filter((c) => opts.all === true || e.name !== '' || c.configSource === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)
      .map((c) => ({
        name: c.name,
        value: c.isSensitive ? null : c.value ?? null,
        source: configSourceName(c.configSource),
        readOnly: c.readOnly,
        sensitive: c.isSensitive,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { entityType: e.type, entityName: e.name, configs };
  });
  if (opts.json === true) {
    out.json(results);
    return;
  }
  results.forEach((r, i) => {
    if (i > 0) out.line();
    const e: Entity = { type: r.entityType, name: r.entityName };
    out.line(`${opts.all === true ? 'All' : 'Dynamic'} configs for ${label(e)} are:`);
    if (r.configs.length > 0) {
      out.table(['NAME', 'VALUE', 'SOURCE'], r.configs.map((c) => [c.name, c.sensitive ? '(sensitive)' : c.value ?? '(null)', c.source]));
    }
  });
}
