/**
 * Captures request frames from real Kafka clients and stores them as protocol fixtures.
 *
 * Starts the recorder (./recorder.ts), drives kafkajs (in process), kcat/librdkafka and
 * kafka-python (child processes, each step bounded by a timeout) against it, then writes
 * packages/protocol/test/fixtures/frames/<client>/<NN-api-name>-v<version>[-<tag>].bin,
 * one per distinct (client, API, version, tag), plus index.json. What index.json says a
 * fixture must contain (client id, topic, group, codec, keys and values) is taken from
 * what each step told its client to do, never from decoding the captured bytes: the test
 * that reads the fixtures checks our decoders against it.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import createSnappyCodec from 'kafkajs-snappy';
import { ApiKey, apiSpec, decodeRequest, readRequestPreamble } from '../../../packages/protocol/src/index.ts';
import type { JoinGroupRequest, MetadataRequest } from '../../../packages/protocol/src/index.ts';
import { Recorder, advertised } from './recorder.ts';
import type { RecordedFrame } from './recorder.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
export const fixturesDir = path.join(repoRoot, 'packages/protocol/test/fixtures/frames');
const PYTHON = '/usr/bin/python3';
const KCAT = 'kcat';

type Client = 'kafkajs' | 'kcat' | 'kafka-python';
type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

interface MessageInput {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** What a step told its client to do: the facts its captured frames must show. */
interface StepFacts {
  clientId: string;
  topic: string;
  groupId?: string;
  compression?: Codec;
  /** The producer asked for idempotence: its batches carry a producer id and sequences. */
  idempotent?: boolean;
  messages?: MessageInput[];
  /** ApiVersions v3+ fields, where the step sets them. */
  clientSoftwareName?: string;
  clientSoftwareVersion?: string;
}

interface Step {
  client: Client;
  name: string;
  facts: StepFacts;
  timeoutMs: number;
  run(bootstrap: string, signal: AbortSignal): Promise<void>;
}

/** One fixture as listed in index.json (the test reads this shape). */
interface FixtureEntry {
  file: string;
  client: Client;
  step: string;
  apiKey: number;
  apiName: string;
  apiVersion: number;
  expect: {
    clientId: string;
    topic?: string;
    groupId?: string;
    compression?: Codec;
    idempotent?: boolean;
    records?: MessageInput[];
    clientSoftwareName?: string;
    clientSoftwareVersion?: string;
  };
}

const LOREM = 'lorem ipsum dolor sit amet consectetur adipiscing elit ';

/** Keyed messages with headers; values repeat enough text for every codec to shrink them. */
function messagesFor(client: Client, codec: Codec, idempotent = false): MessageInput[] {
  const what = `${codec}${idempotent ? '-idempotent' : ''}`;
  return [0, 1, 2].map((i) => ({
    key: `${client}-${what}-key-${i}`,
    value: `${client} ${what} message ${i} ${LOREM.repeat(3)}`,
    // The same headers on every message, because kcat -H applies to all of them.
    headers: { 'capture-client': client, 'capture-codec': codec },
  }));
}

// ---------------------------------------------------------------- kafkajs (in process)

const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = kafkajs;
CompressionCodecs[CompressionTypes.Snappy] = createSnappyCodec;

const kafkajsCodecs = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
} as const;

function kafkajsClient(clientId: string, bootstrap: string): InstanceType<typeof Kafka> {
  return new Kafka({
    clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 },
  });
}

function kafkajsSteps(): Step[] {
  const clientId = 'samsa-capture-kafkajs';
  const topic = 'capture-kafkajs';
  const groupId = 'capture-kafkajs-group';
  const codecs = Object.keys(kafkajsCodecs) as (keyof typeof kafkajsCodecs)[];
  const produceStep = (codec: keyof typeof kafkajsCodecs, idempotent: boolean): Step => {
    const messages = messagesFor('kafkajs', codec, idempotent);
    return {
      client: 'kafkajs', name: `produce-${codec}${idempotent ? '-idempotent' : ''}`, timeoutMs: 20_000,
      facts: { clientId, topic, compression: codec, idempotent, messages },
      async run(bootstrap) {
        const producer = kafkajsClient(clientId, bootstrap).producer({ allowAutoTopicCreation: true, idempotent });
        await producer.connect();
        try {
          await producer.send({
            // An idempotent producer must wait for all replicas.
            topic, acks: idempotent ? -1 : 1, compression: kafkajsCodecs[codec],
            messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers, partition: 0 })),
          });
        } finally {
          await producer.disconnect();
        }
      },
    };
  };
  const produce = [...codecs.map((codec) => produceStep(codec, false)), produceStep('none', true)];
  const createdTopic = 'capture-kafkajs-created';
  const admin: Step = {
    client: 'kafkajs', name: 'create-topics', timeoutMs: 20_000, facts: { clientId, topic: createdTopic },
    async run(bootstrap) {
      const client = kafkajsClient(clientId, bootstrap).admin();
      await client.connect();
      try {
        await client.createTopics({ topics: [{ topic: createdTopic, numPartitions: 1, replicationFactor: 1 }] });
      } finally {
        await client.disconnect();
      }
    },
  };
  const expected = produce.length * 3;
  const consume: Step = {
    client: 'kafkajs', name: 'consume-group', timeoutMs: 30_000, facts: { clientId, topic, groupId },
    async run(bootstrap, signal) {
      const consumer = kafkajsClient(clientId, bootstrap).consumer({
        groupId, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 500,
      });
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        let seen = 0;
        await new Promise<void>((resolve, reject) => {
          signal.addEventListener('abort', () => { reject(new Error(`consumed ${seen} of ${expected}`)); });
          consumer.run({
            eachMessage: async () => {
              seen += 1;
              if (seen >= expected) resolve();
            },
          }).catch(reject);
        });
        // Stay a moment so a heartbeat and the offset commit go out before leaving.
        await new Promise((resolve) => setTimeout(resolve, 1500));
      } finally {
        await consumer.disconnect();
      }
    },
  };
  return [...produce, admin, consume];
}

// ---------------------------------------------------------------- child processes

interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * Runs a command with the step's abort signal: on abort it gets SIGTERM (kcat and
 * kafka-python then leave their group cleanly) and SIGKILL two seconds later.
 */
function runProcess(command: string, args: string[], signal: AbortSignal, input?: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('error', reject);
    let killer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), 2000);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', onAbort);
      if (killer !== undefined) clearTimeout(killer);
      resolve({ code, signal: sig, output });
    });
    if (child.stdin !== null) {
      child.stdin.on('error', () => {}); // a client that exits early closes its stdin
      child.stdin.end(input);
    }
  });
}

async function mustSucceed(what: string, result: Promise<ProcessResult>): Promise<void> {
  const r = await result;
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code ?? r.signal}:\n${r.output.trim()}`);
}

const KCAT_SOFTWARE = { name: 'samsa-capture-kcat', version: '1.0.0' };

function kcatSteps(): Step[] {
  const clientId = 'samsa-capture-kcat';
  const topic = 'capture-kcat';
  const groupId = 'capture-kcat-group';
  const software = { clientSoftwareName: KCAT_SOFTWARE.name, clientSoftwareVersion: KCAT_SOFTWARE.version };
  const common = (bootstrap: string): string[] => [
    '-b', bootstrap, '-X', `client.id=${clientId}`,
    '-X', `client.software.name=${KCAT_SOFTWARE.name}`, '-X', `client.software.version=${KCAT_SOFTWARE.version}`,
  ];
  const codecs: Codec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
  const produceStep = (codec: Codec, idempotent: boolean): Step => {
    const messages = messagesFor('kcat', codec, idempotent);
    const headers = Object.entries(messages[0]!.headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
    return {
      client: 'kcat', name: `produce-${codec}${idempotent ? '-idempotent' : ''}`, timeoutMs: 20_000,
      facts: { clientId, topic, compression: codec, idempotent, messages, ...software },
      run: (bootstrap, signal) => mustSucceed('kcat -P', runProcess(KCAT, [
        ...common(bootstrap), '-P', '-t', topic, '-p', '0', '-K', ':', ...headers, '-z', codec,
        // One batch for all lines: the fixture's expected records are all of them.
        '-X', 'linger.ms=200', '-X', `enable.idempotence=${idempotent}`,
      ], signal, messages.map((m) => `${m.key}:${m.value}\n`).join(''))),
    };
  };
  const produce = [...codecs.map((codec) => produceStep(codec, false)), produceStep('none', true)];
  const expected = produce.length * 3;
  return [
    {
      client: 'kcat', name: 'metadata', timeoutMs: 15_000, facts: { clientId, topic, ...software },
      run: (bootstrap, signal) => mustSucceed('kcat -L', runProcess(KCAT, [...common(bootstrap), '-L'], signal)),
    },
    ...produce,
    {
      client: 'kcat', name: 'consume', timeoutMs: 20_000, facts: { clientId, topic, ...software },
      run: (bootstrap, signal) => mustSucceed('kcat -C', runProcess(KCAT, [
        ...common(bootstrap), '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-c', String(expected),
      ], signal)),
    },
    {
      client: 'kcat', name: 'consume-group', timeoutMs: 30_000, facts: { clientId, topic, groupId, ...software },
      run: (bootstrap, signal) => mustSucceed('kcat -G', runProcess(KCAT, [
        ...common(bootstrap), '-G', groupId, '-X', 'auto.offset.reset=earliest', '-X', 'heartbeat.interval.ms=500',
        '-c', String(expected), topic,
      ], signal)),
    },
  ];
}

function kafkaPythonSteps(): Step[] {
  const clientId = 'samsa-capture-kafka-python';
  const topic = 'capture-kafka-python';
  const groupId = 'capture-kafka-python-group';
  const script = path.join(here, 'kafka-python-client.py');
  const codecs: Codec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
  const produce = codecs.map((codec): Step => {
    const messages = messagesFor('kafka-python', codec);
    return {
      client: 'kafka-python', name: `produce-${codec}`, timeoutMs: 30_000,
      facts: { clientId, topic, compression: codec, messages },
      run: (bootstrap, signal) => mustSucceed('kafka-python producer', runProcess(PYTHON, [script, JSON.stringify({
        mode: 'produce', bootstrap, clientId, topic, compression: codec === 'none' ? null : codec, messages,
      })], signal)),
    };
  });
  return [
    ...produce,
    {
      client: 'kafka-python', name: 'consume-group', timeoutMs: 40_000, facts: { clientId, topic, groupId },
      run: (bootstrap, signal) => mustSucceed('kafka-python consumer', runProcess(PYTHON, [script, JSON.stringify({
        mode: 'consume', bootstrap, clientId, topic, groupId, expected: codecs.length * 3,
      })], signal)),
    },
  ];
}

// ---------------------------------------------------------------- fixtures

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/**
 * Distinguishes requests of one API and version that take different paths through the
 * codec. Produce is told apart by the codec its step asked for; the Metadata and JoinGroup
 * variants are read from the request, which only names the file.
 */
function variantTag(f: RecordedFrame, apiKey: number, step: Step): string {
  if (apiKey === ApiKey.Produce) return `${step.facts.compression ?? ''}${step.facts.idempotent === true ? '-idempotent' : ''}`;
  if (apiKey !== ApiKey.Metadata && apiKey !== ApiKey.JoinGroup) return '';
  let body: unknown;
  try {
    body = decodeRequest(f.bytes).body;
  } catch {
    return 'undecoded';
  }
  if (apiKey === ApiKey.JoinGroup) return (body as JoinGroupRequest).memberId === '' ? 'new-member' : '';
  const { topics } = body as MetadataRequest;
  if (topics === null) return 'all-topics';
  if (topics.length === 0) return readRequestPreamble(f.bytes).apiVersion === 0 ? 'all-topics' : 'no-topics';
  return '';
}

/** The facts of a step that a request of this API shows. */
function expectFor(apiKey: number, step: Step): FixtureEntry['expect'] {
  const { facts } = step;
  const expect: FixtureEntry['expect'] = { clientId: facts.clientId };
  const withGroup = (): void => { if (facts.groupId !== undefined) expect.groupId = facts.groupId; };
  switch (apiKey) {
    case ApiKey.ApiVersions:
      if (facts.clientSoftwareName !== undefined) expect.clientSoftwareName = facts.clientSoftwareName;
      if (facts.clientSoftwareVersion !== undefined) expect.clientSoftwareVersion = facts.clientSoftwareVersion;
      break;
    case ApiKey.Produce:
      expect.topic = facts.topic;
      if (facts.compression !== undefined) expect.compression = facts.compression;
      expect.idempotent = facts.idempotent ?? false;
      if (facts.messages !== undefined) expect.records = facts.messages;
      break;
    case ApiKey.Metadata: case ApiKey.Fetch: case ApiKey.ListOffsets: case ApiKey.CreateTopics:
      expect.topic = facts.topic;
      break;
    case ApiKey.JoinGroup: case ApiKey.SyncGroup: case ApiKey.OffsetCommit: case ApiKey.OffsetFetch:
      withGroup();
      expect.topic = facts.topic;
      break;
    case ApiKey.FindCoordinator: case ApiKey.Heartbeat: case ApiKey.LeaveGroup:
      withGroup();
      break;
  }
  return expect;
}

function selectFixtures(frames: readonly RecordedFrame[], steps: ReadonlyMap<string, Step>): { entry: FixtureEntry; bytes: Buffer }[] {
  const chosen = new Map<string, { entry: FixtureEntry; bytes: Buffer }>();
  for (const f of frames) {
    const step = steps.get(f.label);
    if (step === undefined) continue;
    const { apiKey, apiVersion } = readRequestPreamble(f.bytes);
    const spec = apiSpec(apiKey);
    const apiName = spec?.name ?? `Api${apiKey}`;
    const tag = variantTag(f, apiKey, step);
    const file = `${step.client}/${String(apiKey).padStart(2, '0')}-${kebab(apiName)}-v${apiVersion}${tag === '' ? '' : `-${tag}`}.bin`;
    if (chosen.has(file)) continue;
    chosen.set(file, {
      entry: { file, client: step.client, step: step.name, apiKey, apiName, apiVersion, expect: expectFor(apiKey, step) },
      bytes: f.bytes,
    });
  }
  return [...chosen.values()].sort((a, b) => a.entry.file.localeCompare(b.entry.file));
}

// ---------------------------------------------------------------- main

async function clientVersions(): Promise<Record<string, string>> {
  const kafkajsPackage = JSON.parse(await readFile(path.join(repoRoot, 'node_modules/kafkajs/package.json'), 'utf8')) as { version: string };
  const never = new AbortController().signal;
  const kcat = await runProcess(KCAT, ['-V'], never);
  const python = await runProcess(PYTHON, ['-c', 'import kafka; print(kafka.__version__)'], never);
  return {
    kafkajs: kafkajsPackage.version,
    kcat: /Version ([^ ]+) .*librdkafka ([^ ]+)/.exec(kcat.output)?.slice(1, 3).join(', librdkafka ') ?? 'unknown',
    'kafka-python': python.output.trim(),
  };
}

async function runStep(recorder: Recorder, step: Step): Promise<boolean> {
  recorder.label = `${step.client}/${step.name}`;
  const before = recorder.frames.length;
  const controller = new AbortController();
  const timer = setTimeout(() => { controller.abort(); }, step.timeoutMs);
  const started = Date.now();
  let ok = true;
  try {
    await step.run(recorder.bootstrap, controller.signal);
  } catch (err) {
    ok = false;
    console.error(`  ${recorder.label} failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    clearTimeout(timer);
  }
  // Let frames sent while a client shut down arrive before the label changes.
  await new Promise((resolve) => setTimeout(resolve, 200));
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${recorder.label}: ${recorder.frames.length - before} frames, ${Date.now() - started} ms`);
  return ok;
}

/** Every client must yield at least these APIs (issue 2). */
const REQUIRED = [ApiKey.ApiVersions, ApiKey.Metadata, ApiKey.Produce, ApiKey.Fetch, ApiKey.FindCoordinator, ApiKey.JoinGroup];

export async function capture(options: { port?: number; out?: string } = {}): Promise<number> {
  const outDir = options.out ?? fixturesDir;
  const recorder = await Recorder.start({ port: options.port ?? 0, log: (line) => { console.log(`  recorder: ${line}`); } });
  console.log(`recorder listening on ${recorder.bootstrap}`);
  const steps = [...kafkajsSteps(), ...kcatSteps(), ...kafkaPythonSteps()];
  let failures = 0;
  try {
    for (const step of steps) {
      if (!await runStep(recorder, step)) failures += 1;
    }
  } finally {
    recorder.label = '';
    await recorder.close();
  }

  const byLabel = new Map(steps.map((s) => [`${s.client}/${s.name}`, s]));
  const fixtures = selectFixtures(recorder.frames, byLabel);
  await rm(outDir, { recursive: true, force: true });
  let total = 0;
  for (const { entry, bytes } of fixtures) {
    await mkdir(path.dirname(path.join(outDir, entry.file)), { recursive: true });
    await writeFile(path.join(outDir, entry.file), bytes);
    total += bytes.length;
  }
  const index = {
    about: 'Request frames captured from real clients by `node tools/capture/capture.ts`; expect holds what each client was told to do.',
    clients: await clientVersions(),
    advertised: Object.fromEntries([...advertised].map(([key, r]) => [apiSpec(key)?.name ?? key, `${r.minVersion}-${r.maxVersion}`])),
    fixtures: fixtures.map((f) => f.entry),
  };
  await writeFile(path.join(outDir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
  console.log(`wrote ${fixtures.length} fixtures (${total} bytes) to ${outDir}`);

  for (const client of ['kafkajs', 'kcat', 'kafka-python'] as const) {
    const have = new Set(fixtures.filter((f) => f.entry.client === client).map((f) => f.entry.apiKey));
    const missing = REQUIRED.filter((k) => !have.has(k)).map((k) => apiSpec(k)?.name ?? k);
    if (missing.length > 0) {
      console.error(`MISSING from ${client}: ${missing.join(', ')}`);
      failures += 1;
    }
  }
  return failures;
}
