/**
 * What a producing tool does before it reads any input: ask for the topic's metadata with
 * auto-creation allowed, as Kafka's producer does, so a topic the broker will not create
 * is reported at once.
 */
import type { Producer } from '@platformatic/kafka';
import { CliError } from './cli-error.ts';
import { describeError } from './describe-error.ts';

/** Returns the topic's partition count. */
export async function ensureTopic(producer: Producer, topic: string): Promise<number> {
  try {
    const metadata = await producer.metadata({ topics: [topic], autocreateTopics: true });
    return metadata.topics.get(topic)?.partitionsCount ?? 1;
  } catch (err) {
    const text = describeError(err);
    if (/UNKNOWN_TOPIC_OR_PARTITION|Unknown topic/i.test(text)) {
      throw new CliError(`topic "${topic}" does not exist, and the broker does not create topics on first use (auto.create.topics.enable=false): create it with samsa topics --create`);
    }
    throw err;
  }
}
