/**
 * A Kafka client inside the test process, for setting up and checking what the tools do
 * without starting another `samsa` process each time (loading the client costs a process
 * about half a second).
 */
import { Admin, Producer } from '@platformatic/kafka';

export interface TestClient {
  createTopic(topic: string, partitions?: number): Promise<void>;
  /** Sends the values to one partition, in order. */
  produce(topic: string, partition: number, values: string[]): Promise<void>;
  /** The group's committed offset per partition of the topic (-1 where none). */
  committed(group: string, topic: string, partitions: number): Promise<number[]>;
  close(): Promise<void>;
}

export function testClient(bootstrap: string): TestClient {
  const admin = new Admin({ clientId: 'samsa-test', bootstrapBrokers: [bootstrap] });
  const producer = new Producer({ clientId: 'samsa-test', bootstrapBrokers: [bootstrap] });
  return {
    async createTopic(topic, partitions = 1) {
      await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
    },
    async produce(topic, partition, values) {
      await producer.send({ messages: values.map((v) => ({ topic, partition, value: Buffer.from(v) })) });
    },
    async committed(group, topic, partitions) {
      const [g] = await admin.listConsumerGroupOffsets({ groups: [group] });
      const found = new Map((g?.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => [p.partitionIndex, Number(p.committedOffset)]));
      return Array.from({ length: partitions }, (_, p) => found.get(p) ?? -1);
    },
    async close() {
      await Promise.allSettled([admin.close(), producer.close()]);
    },
  };
}
