/**
 * A kafkajs 2.2.4 group member that reports what it does, for the consumer-group interop
 * tests (run as its own process so that a test can SIGKILL it).
 *
 * Usage: node group-consumer-kafkajs.ts BOOTSTRAP TOPIC GROUP LABEL [SESSION_TIMEOUT_MS]
 *
 * Same JSON lines as group-consumer-confluent.py: "assigned" (on GROUP_JOIN), "revoked"
 * (on REBALANCING and CRASH, when kafkajs stops fetching before it rejoins), "rec",
 * "committed"/"commit-failed". Commits offset+1 after each record unless the value ends
 * in ":hold".
 *
 * kafkajs's only built-in assigner is called "RoundRobinAssigner", a name no other client
 * knows, so a group mixing clients would find no common protocol. This member offers its
 * round robin under the name "roundrobin", which kafka-python and librdkafka also speak
 * (the subscription and assignment formats are Kafka's ConsumerProtocol v0 in all three).
 * GROUP_JOIN carries no generation id; kafkajs logs it at debug level ("Received
 * assignment"), so a log creator picks it up from there.
 */
import { AssignerProtocol, Kafka, logLevel, PartitionAssigners, type PartitionAssigner } from 'kafkajs';

const [bootstrap, topic, groupId, label, sessionTimeoutArg] = process.argv.slice(2);
if (bootstrap === undefined || topic === undefined || groupId === undefined || label === undefined) {
  process.stderr.write('usage: group-consumer-kafkajs.ts BOOTSTRAP TOPIC GROUP LABEL [SESSION_TIMEOUT_MS]\n');
  process.exit(2);
}

const emit = (obj: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...obj, c: label, t: Date.now() })}\n`);
};

let generation = -1;
const kafka = new Kafka({
  clientId: label,
  brokers: [bootstrap],
  logLevel: logLevel.DEBUG,
  logCreator: () => ({ level, log }) => {
    if (log.message === 'Received assignment' && typeof log['generationId'] === 'number') generation = log['generationId'] as number;
    else if (level <= logLevel.WARN) process.stderr.write(`${JSON.stringify(log)}\n`); // for the test's diagnostics
  },
  retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 20 },
});

const roundrobin: PartitionAssigner = (config) => {
  const builtIn = PartitionAssigners.roundRobin(config);
  return {
    name: 'roundrobin',
    version: 0,
    assign: (group) => builtIn.assign(group),
    protocol: ({ topics }) => ({
      name: 'roundrobin',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    }),
  };
};

const consumer = kafka.consumer({
  groupId,
  partitionAssigners: [roundrobin],
  sessionTimeout: Number(sessionTimeoutArg ?? 6000),
  heartbeatInterval: 1000,
  rebalanceTimeout: 20000,
  maxWaitTimeInMs: 200,
  retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 20 },
});

let owned: number[] = [];
let memberId = '';
consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
  owned = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
  memberId = payload.memberId;
  emit({ ev: 'assigned', gen: generation, member: memberId, parts: owned, incremental: false });
});
const revoke = (): void => {
  emit({ ev: 'revoked', gen: generation, member: memberId, parts: owned, incremental: false });
  owned = [];
};
consumer.on(consumer.events.REBALANCING, revoke);
consumer.on(consumer.events.CRASH, ({ payload }) => {
  emit({ ev: 'error', err: `crash: ${payload.error.message} (restart: ${payload.restart})` });
  revoke();
});

await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachMessage: async ({ partition, message }) => {
    const v = message.value?.toString() ?? '';
    const o = Number(message.offset);
    emit({ ev: 'rec', p: partition, o, v });
    if (v.endsWith(':hold')) return;
    try {
      await consumer.commitOffsets([{ topic, partition, offset: String(o + 1) }]);
      emit({ ev: 'committed', p: partition, o: o + 1 });
    } catch (err) {
      emit({ ev: 'commit-failed', p: partition, o: o + 1, err: (err as Error).message });
    }
  },
});

process.stdin.resume();
process.stdin.on('end', () => {
  void consumer.disconnect().then(() => process.exit(0));
});
