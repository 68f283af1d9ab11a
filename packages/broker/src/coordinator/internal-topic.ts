/**
 * What the group and transaction coordinators share about their internal topic
 * (`__consumer_offsets`, `__transaction_state`), as Kafka's coordinators do: a key (group
 * id, transactional id) hashes to a partition by Java's String.hashCode, the topic is
 * created on first use (the first FindCoordinator), and every partition is loaded
 * (replayed) before it is served; a failure of a shard is answered with Kafka's codes.
 */
import { ErrorCode } from '@samsa/protocol';
import type { Logger } from '../logger.ts';
import type { Clock } from '../storage/clock.ts';
import { CoordinatorAppendError, CoordinatorNotAvailableError, type CoordinatorRuntime, type CoordinatorShard } from './coordinator-runtime.ts';

/** How a coordinator reaches its internal topic's metadata (the broker implements it). */
export interface InternalTopic {
  /** Partition count of the topic, or null when it does not exist yet. */
  partitionCount(): number | null;
  /** Creates the topic with `partitions` partitions (if missing) and returns its partition count. */
  create(partitions: number): Promise<number>;
}

/** Java's String.hashCode, over UTF-16 code units, as Kafka hashes group and transactional ids. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs: |n|, with Integer.MIN_VALUE mapped to 0. */
export const kafkaAbs = (n: number): number => (n === -2147483648 ? 0 : Math.abs(n));

/** The error code a failed coordinator operation answers with (Kafka's normalizeException). */
export function coordinatorErrorCode(err: unknown): number {
  if (err instanceof CoordinatorNotAvailableError) {
    if (err.reason === 'not_coordinator') return ErrorCode.NOT_COORDINATOR;
    if (err.reason === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
  if (err instanceof CoordinatorAppendError) {
    switch (err.errorCode) {
      case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      case ErrorCode.NOT_ENOUGH_REPLICAS:
      case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      case ErrorCode.REQUEST_TIMED_OUT:
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      case ErrorCode.NOT_LEADER_OR_FOLLOWER:
      case ErrorCode.KAFKA_STORAGE_ERROR:
        return ErrorCode.NOT_COORDINATOR;
      default:
        return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
  }
  throw err;
}

export interface InternalTopicPartitionsOptions {
  /** The topic's name, for logs. */
  name: string;
  topic: InternalTopic;
  /** offsets.topic.num.partitions / transaction.state.log.num.partitions: used when the topic is created. */
  numPartitions: number;
  clock: Clock;
  logger: Logger;
}

/** Routes keys to the partitions of one internal topic, creating and loading it when first asked. */
export class InternalTopicPartitions<S extends CoordinatorShard> {
  readonly #options: InternalTopicPartitionsOptions;
  readonly #runtime: CoordinatorRuntime<S>;
  #partitions: number;
  #creating: Promise<void> | null = null;

  constructor(runtime: CoordinatorRuntime<S>, options: InternalTopicPartitionsOptions) {
    this.#runtime = runtime;
    this.#options = options;
    this.#partitions = options.topic.partitionCount() ?? options.numPartitions;
  }

  /** Loads the partitions of the topic if it exists (at broker startup). */
  async startup(): Promise<void> {
    const count = this.#options.topic.partitionCount();
    if (count !== null) await this.#loadAll(count);
  }

  async #loadAll(count: number): Promise<void> {
    this.#partitions = count;
    const started = this.#options.clock.now();
    for (let p = 0; p < count; p++) await this.#runtime.load(p);
    this.#options.logger.info({ partitions: count, ms: this.#options.clock.now() - started }, `loaded ${this.#options.name}`);
  }

  partitionFor(key: string): number {
    return kafkaAbs(javaStringHash(key)) % this.#partitions;
  }

  /**
   * FindCoordinator: creates and loads the topic on first use. NONE when this broker
   * serves the key's partition, else the error to answer with.
   */
  async findCoordinator(key: string): Promise<number> {
    if (this.#options.topic.partitionCount() === null || this.#runtime.partitions().length === 0) {
      this.#creating ??= (async () => {
        const count = await this.#options.topic.create(this.#options.numPartitions);
        await this.#loadAll(count);
      })().finally(() => { this.#creating = null; });
      try {
        await this.#creating;
      } catch (err) {
        this.#options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, `could not create ${this.#options.name}`);
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      }
    }
    return this.#runtime.isActive(this.partitionFor(key)) ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}
