/**
 * The transaction coordinator as the broker's handlers see it (Kafka's
 * TransactionCoordinator): routes each transactional id to the `__transaction_state`
 * partition its id hashes to (Java's String.hashCode, as groups), runs the operation on
 * that partition's shard, and turns failures into Kafka's error codes. Once a Prepare*
 * record is written it has the transaction's markers written (TransactionMarkerSender),
 * then the Complete* record.
 *
 * The internal topic is created on first use (the first FindCoordinator for a
 * transactional id), as Kafka does; every partition is loaded before it is served.
 */
import { ErrorCode } from '@samsa/protocol';
import type { Logger } from '../../logger.ts';
import type { Clock } from '../../storage/clock.ts';
import { CoordinatorNotAvailableError, CoordinatorRuntime, type CoordinatorLog, type CoordinatorResult } from '../coordinator-runtime.ts';
import { coordinatorErrorCode, InternalTopicPartitions, type InternalTopic } from '../internal-topic.ts';
import {
  TransactionCoordinatorShard, type DescribedTransaction, type InitProducerIdOutcome, type ListedTransaction,
} from './transaction-coordinator-shard.ts';
import { TransactionMarkerSender } from './transaction-marker-sender.ts';
import type { TransactionMarkerWriter } from './transaction-marker-writer.ts';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, type MarkerJob, type TopicPartition, type TransactionCoordinatorConfig } from './transaction-metadata.ts';
import { txnStateFromName, type TxnState } from './transaction-records.ts';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

export interface TransactionCoordinatorOptions {
  log: CoordinatorLog;
  topic: InternalTopic;
  clock: Clock;
  config: TransactionCoordinatorConfig;
  /** transaction.state.log.num.partitions: used when the topic is created. */
  numPartitions: number;
  /** Fresh producer ids for new transactional ids and exhausted epochs. */
  producerIds: { generateProducerId(): Promise<number> };
  markers: TransactionMarkerWriter;
  /** The leader epoch of a partition of `__transaction_state`: the coordinator epoch its markers carry. */
  coordinatorEpochFor(partition: number): number;
  /** Whether a partition exists; AddPartitionsToTxn answers UNKNOWN_TOPIC_OR_PARTITION for one that does not. */
  partitionExists(topic: string, partition: number): boolean;
  /** `__consumer_offsets` and the partition a group's offsets live in (AddOffsetsToTxn). */
  groupMetadataTopic: string;
  groupPartitionFor(groupId: string): number;
  logger: Logger;
  /** Backoff of marker and Complete* retries: the first delay, doubled per retry up to the max. */
  markerRetryBackoffMs?: number;
  markerMaxRetryBackoffMs?: number;
}

export interface InitProducerIdRequestParams {
  transactionalId: string;
  transactionTimeoutMs: number;
  /** -1 unless the producer asks for a bump of its current id and epoch (v3+, KIP-360). */
  producerId: number;
  producerEpoch: number;
}

export interface TxnParams {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
}

export interface AddPartitionsToTxnParams extends TxnParams {
  /** v4+ (KIP-890, broker to coordinator): only check that the partitions are in the transaction. */
  verifyOnly: boolean;
  topics: Array<{ name: string; partitions: number[] }>;
}

/** Per-partition answers, in the response's shape. */
export type AddPartitionsToTxnResults = Array<{ name: string; resultsByPartition: Array<{ partitionIndex: number; partitionErrorCode: number }> }>;

export interface ListTransactionsParams {
  stateFilters: readonly string[];
  producerIdFilters: readonly number[];
  /** v1 (KIP-994): only transactions running longer than this many ms; -1: all. */
  durationFilterMs: number;
}

export interface ListTransactionsResult {
  errorCode: number;
  unknownStateFilters: string[];
  transactionStates: ListedTransaction[];
}

export class TransactionCoordinator {
  readonly #options: TransactionCoordinatorOptions;
  readonly #runtime: CoordinatorRuntime<TransactionCoordinatorShard>;
  readonly #sender: TransactionMarkerSender;
  readonly #topic: InternalTopicPartitions<TransactionCoordinatorShard>;

  constructor(options: TransactionCoordinatorOptions) {
    this.#options = options;
    this.#sender = new TransactionMarkerSender({
      writer: options.markers,
      clock: options.clock,
      logger: options.logger,
      retryBackoffMs: options.markerRetryBackoffMs ?? 100,
      maxRetryBackoffMs: options.markerMaxRetryBackoffMs ?? 5_000,
      onMarkersWritten: (partition, job) => void this.#complete(partition, job, 0),
    });
    this.#runtime = new CoordinatorRuntime<TransactionCoordinatorShard>({
      log: options.log,
      clock: options.clock,
      createShard: (partition, timer) => new TransactionCoordinatorShard(options.clock, timer, options.config, {
        coordinatorEpoch: () => options.coordinatorEpochFor(partition),
        sendMarkers: (job) => this.#sender.send(partition, job),
      }),
      onTimerError: (partition, key, err) => {
        options.logger.warn({ partition, timer: key, err: err instanceof Error ? err.message : String(err) }, 'transaction coordinator timer failed');
      },
    });
    this.#topic = new InternalTopicPartitions(this.#runtime, {
      name: TRANSACTION_STATE_TOPIC, topic: options.topic, numPartitions: options.numPartitions, clock: options.clock, logger: options.logger,
    });
  }

  /** Loads the partitions of an existing `__transaction_state` (at broker startup). */
  startup(): Promise<void> {
    return this.#topic.startup();
  }

  shutdown(): void {
    this.#sender.close();
    this.#runtime.close();
  }

  partitionFor(transactionalId: string): number {
    return this.#topic.partitionFor(transactionalId);
  }

  /**
   * FindCoordinator for a transactional id: creates and loads `__transaction_state` on
   * first use. NONE when this broker serves the id, else the error to answer with.
   */
  findCoordinator(transactionalId: string): Promise<number> {
    return this.#topic.findCoordinator(transactionalId);
  }

  /** InitProducerId with a transactional id (an idempotent producer's goes to ProducerIdManager). */
  async initProducerId(p: InitProducerIdRequestParams): Promise<InitProducerIdOutcome> {
    const refuse = (errorCode: number): InitProducerIdOutcome => ({ errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });
    if (p.transactionalId === '') return refuse(ErrorCode.INVALID_REQUEST);
    if ((p.producerId === NO_PRODUCER_ID) !== (p.producerEpoch === NO_PRODUCER_EPOCH)) return refuse(ErrorCode.INVALID_REQUEST);
    if (p.transactionTimeoutMs <= 0 || p.transactionTimeoutMs > this.#options.config.transactionMaxTimeoutMs) {
      return refuse(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    }
    const expected = p.producerId === NO_PRODUCER_ID ? null : { producerId: p.producerId, producerEpoch: p.producerEpoch };
    const partition = this.partitionFor(p.transactionalId);
    // Producer ids come asynchronously and a shard's operation is synchronous: get one
    // first when the shard will need it (it is wasted if another request got there first).
    let newProducerId: number | null = null;
    try {
      if (this.#runtime.read(partition, (s) => s.needsNewProducerId(p.transactionalId, expected))) {
        newProducerId = await this.#options.producerIds.generateProducerId();
      }
    } catch (err) {
      if (err instanceof CoordinatorNotAvailableError) return refuse(coordinatorErrorCode(err));
      this.#options.logger.warn({ transactionalId: p.transactionalId, err: err instanceof Error ? err.message : String(err) }, 'could not allocate a producer id');
      return refuse(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    return this.#write(partition, (s) => s.initProducerId({
      transactionalId: p.transactionalId, transactionTimeoutMs: p.transactionTimeoutMs, expected, newProducerId,
    }), refuse);
  }

  /**
   * AddPartitionsToTxn for one transaction (v0-3 carry one, v4+ a batch). A partition that
   * does not exist fails the whole transaction's request: it answers
   * UNKNOWN_TOPIC_OR_PARTITION, the others OPERATION_NOT_ATTEMPTED (Kafka's KafkaApis).
   */
  async addPartitionsToTxn(t: AddPartitionsToTxnParams): Promise<AddPartitionsToTxnResults> {
    const partitions: TopicPartition[] = t.topics.flatMap((x) => x.partitions.map((partition) => ({ topic: x.name, partition })));
    const answer = (codeOf: (tp: TopicPartition, i: number) => number): AddPartitionsToTxnResults => {
      let i = 0;
      return t.topics.map((x) => ({
        name: x.name, resultsByPartition: x.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: codeOf({ topic: x.name, partition: partitionIndex }, i++) })),
      }));
    };
    if (t.transactionalId === '') return answer(() => ErrorCode.INVALID_REQUEST);
    const unknown = partitions.map((tp) => !this.#options.partitionExists(tp.topic, tp.partition));
    if (unknown.some(Boolean)) return answer((_tp, i) => (unknown[i] ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED));
    if (t.verifyOnly) {
      const codes = this.#read(t.transactionalId, (s) => s.verify(t, partitions), (errorCode) => partitions.map(() => errorCode));
      return answer((_tp, i) => codes[i]!);
    }
    const errorCode = await this.#write(this.partitionFor(t.transactionalId), (s) => s.addPartitions(t, partitions), (code) => code);
    return answer(() => errorCode);
  }

  /** AddOffsetsToTxn: adds the `__consumer_offsets` partition of the group to the transaction. */
  async addOffsetsToTxn(p: TxnParams & { groupId: string }): Promise<number> {
    if (p.transactionalId === '') return ErrorCode.INVALID_REQUEST;
    const offsets = { topic: this.#options.groupMetadataTopic, partition: this.#options.groupPartitionFor(p.groupId) };
    return this.#write(this.partitionFor(p.transactionalId), (s) => s.addPartitions(p, [offsets]), (code) => code);
  }

  /** EndTxn: NONE once the Prepare* record is written; the markers follow. */
  async endTxn(p: TxnParams & { committed: boolean }): Promise<number> {
    if (p.transactionalId === '') return ErrorCode.INVALID_REQUEST;
    return this.#write(this.partitionFor(p.transactionalId), (s) => s.endTransaction(p, p.committed), (code) => code);
  }

  /**
   * KIP-890 verification for the produce path (ReplicaManager's TransactionVerifier): NONE
   * when the partition is in the ongoing transaction of this producer id and epoch, else
   * what AddPartitionsToTxn v4 verifyOnly answers: INVALID_TXN_STATE (not in it),
   * PRODUCER_FENCED, INVALID_PRODUCER_ID_MAPPING, CONCURRENT_TRANSACTIONS (committing or
   * aborting), NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE
   * (no `__transaction_state` yet).
   */
  verifyTransaction(transactionalId: string, producerId: number, producerEpoch: number, topic: string, partition: number): Promise<number> {
    if (transactionalId === '') return Promise.resolve(ErrorCode.INVALID_REQUEST);
    if (this.#options.topic.partitionCount() === null) return Promise.resolve(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return Promise.resolve(this.#read(transactionalId, (s) => s.verify({ transactionalId, producerId, producerEpoch }, [{ topic, partition }])[0]!,
      (errorCode) => errorCode));
  }

  describeTransactions(transactionalIds: readonly string[]): DescribedTransaction[] {
    const failed = (transactionalId: string, errorCode: number): DescribedTransaction => ({
      errorCode, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [],
    });
    return transactionalIds.map((id) => (id === '' ? failed(id, ErrorCode.INVALID_REQUEST)
      : this.#read(id, (s) => s.describe(id), (errorCode) => failed(id, errorCode))));
  }

  /** Every transaction of every loaded partition, filtered; COORDINATOR_LOAD_IN_PROGRESS while one loads. */
  listTransactions(p: ListTransactionsParams): ListTransactionsResult {
    const unknownStateFilters: string[] = [];
    const states = new Set<TxnState>();
    for (const name of p.stateFilters) {
      const state = txnStateFromName(name);
      if (state === undefined) unknownStateFilters.push(name);
      else states.add(state);
    }
    const filter = { states, producerIds: new Set(p.producerIdFilters), durationMs: p.durationFilterMs };
    const transactionStates: ListedTransaction[] = [];
    for (const partition of this.#runtime.partitions()) {
      try {
        transactionStates.push(...this.#runtime.read(partition, (s) => s.list(filter)));
      } catch (err) {
        return { errorCode: coordinatorErrorCode(err), unknownStateFilters, transactionStates: [] };
      }
    }
    // Only unknown states asked for: nothing matches (Kafka filters on the names given).
    if (p.stateFilters.length > 0 && states.size === 0) return { errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates: [] };
    return { errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates };
  }

  /** The markers of a job are written: its Complete* record, retried until written or the partition is no longer ours. */
  async #complete(partition: number, job: MarkerJob, attempt: number): Promise<void> {
    try {
      await this.#runtime.write(partition, (s) => s.completeTransaction(job));
    } catch (err) {
      if (err instanceof CoordinatorNotAvailableError && err.reason === 'not_coordinator') return;
      this.#options.logger.warn({ transactionalId: job.transactionalId, partition, err: err instanceof Error ? err.message : String(err) },
        'could not write the completion of a transaction; retrying');
      this.#sender.retryLater(partition, attempt, () => void this.#complete(partition, job, attempt + 1));
    }
  }

  async #write<T>(partition: number, op: (s: TransactionCoordinatorShard) => CoordinatorResult<T>, failed: (errorCode: number) => Awaited<T>): Promise<Awaited<T>> {
    try {
      return await this.#runtime.write(partition, op);
    } catch (err) {
      return failed(coordinatorErrorCode(err));
    }
  }

  #read<T>(transactionalId: string, op: (s: TransactionCoordinatorShard) => T, failed: (errorCode: number) => T): T {
    try {
      return this.#runtime.read(this.partitionFor(transactionalId), op);
    } catch (err) {
      return failed(coordinatorErrorCode(err));
    }
  }
}
