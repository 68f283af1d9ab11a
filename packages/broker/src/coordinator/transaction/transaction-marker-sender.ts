/**
 * Writes the markers of transactions in Prepare* (Kafka's TransactionMarkerChannelManager
 * and TransactionMarkerRequestCompletionHandler): one marker per partition of the
 * transaction, all at once, each retried on its own until it is written. Once every
 * partition is done the job is handed back (`onMarkersWritten`) for its Complete* record.
 *
 * Answers per partition, as Kafka's completion handler sorts them:
 * - NONE: written.
 * - UNKNOWN_TOPIC_OR_PARTITION: the topic was deleted; the partition is dropped, as Kafka
 *   drops a partition whose leader it cannot find. UNSUPPORTED_FOR_MESSAGE_FORMAT and
 *   UNSUPPORTED_VERSION are dropped too.
 * - INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED: a newer producer epoch or
 *   coordinator owns the transaction; the job stops and the transaction is left to it.
 *   CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_REQUIRED_ACKS
 *   cannot happen for a marker (Kafka treats them as fatal): the job stops, logged.
 * - anything else (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, a
 *   coordinator error of `__consumer_offsets`, ...): retried after a backoff that doubles,
 *   scheduled on the injected clock.
 * A job that stops leaves its transaction in Prepare* with its Complete* pending until the
 * partition of `__transaction_state` is loaded again.
 */
import { ErrorCode, kafkaErrors } from '@samsa/protocol';
import type { Logger } from '../../logger.ts';
import type { Clock } from '../../storage/clock.ts';
import { tpKey, type MarkerJob, type TopicPartition } from './transaction-metadata.ts';
import type { TransactionMarkerWriter } from './transaction-marker-writer.ts';

export interface TransactionMarkerSenderOptions {
  writer: TransactionMarkerWriter;
  clock: Clock;
  logger: Logger;
  /** The first retry's delay; each further one doubles, up to `maxRetryBackoffMs`. */
  retryBackoffMs: number;
  maxRetryBackoffMs: number;
  /** Every marker of the job is written (or dropped): time for its Complete* record. */
  onMarkersWritten(txnPartition: number, job: MarkerJob): void;
}

/** What is in flight for one partition of `__transaction_state`, so an unload stops all of it. */
interface Scope {
  cancelled: boolean;
  timers: Set<() => void>;
}

const DROPPED = new Set<number>([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, ErrorCode.UNSUPPORTED_VERSION]);
const FENCED = new Set<number>([ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.TRANSACTION_COORDINATOR_FENCED]);
const FATAL = new Set<number>([ErrorCode.CORRUPT_MESSAGE, ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.RECORD_LIST_TOO_LARGE, ErrorCode.INVALID_REQUIRED_ACKS]);

const errorName = (code: number): string => kafkaErrors.get(code)?.name ?? String(code);

export class TransactionMarkerSender {
  readonly #options: TransactionMarkerSenderOptions;
  readonly #scopes = new Map<number, Scope>();
  readonly #stopped = new WeakSet<MarkerJob>();

  constructor(options: TransactionMarkerSenderOptions) {
    this.#options = options;
  }

  /** Starts writing the job's markers. */
  send(txnPartition: number, job: MarkerJob): void {
    const scope = this.#scope(txnPartition);
    if (job.remaining.size === 0) {
      this.#options.onMarkersWritten(txnPartition, job);
      return;
    }
    for (const tp of job.partitions) {
      if (job.remaining.has(tpKey(tp.topic, tp.partition))) void this.#write(txnPartition, scope, job, tp, 0);
    }
  }

  /**
   * Runs `fn` after the backoff of retry number `attempt`, unless the partition's work is
   * cancelled first (the service retries Complete* writes with it too).
   */
  retryLater(txnPartition: number, attempt: number, fn: () => void): void {
    const scope = this.#scope(txnPartition);
    const delay = Math.min(this.#options.retryBackoffMs * 2 ** Math.min(attempt, 20), this.#options.maxRetryBackoffMs);
    const cancel = this.#options.clock.schedule(delay, () => {
      scope.timers.delete(cancel);
      if (!scope.cancelled) fn();
    });
    scope.timers.add(cancel);
  }

  /** Stops every job of a partition of `__transaction_state` (unloaded, or shutdown). */
  cancel(txnPartition: number): void {
    const scope = this.#scopes.get(txnPartition);
    if (scope === undefined) return;
    this.#scopes.delete(txnPartition);
    scope.cancelled = true;
    for (const cancel of scope.timers) cancel();
    scope.timers.clear();
  }

  close(): void {
    for (const p of [...this.#scopes.keys()]) this.cancel(p);
  }

  #scope(txnPartition: number): Scope {
    let scope = this.#scopes.get(txnPartition);
    if (scope === undefined) this.#scopes.set(txnPartition, scope = { cancelled: false, timers: new Set() });
    return scope;
  }

  async #write(txnPartition: number, scope: Scope, job: MarkerJob, tp: TopicPartition, attempt: number): Promise<void> {
    const { producerId, producerEpoch, coordinatorEpoch, committed } = job;
    let code: number;
    try {
      code = await this.#options.writer.writeMarker(tp.topic, tp.partition, { producerId, producerEpoch, coordinatorEpoch, committed });
    } catch (err) {
      this.#options.logger.warn({ transactionalId: job.transactionalId, topic: tp.topic, partition: tp.partition, err: err instanceof Error ? err.message : String(err) },
        'transaction marker write threw; retrying');
      code = ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    if (scope.cancelled || this.#stopped.has(job)) return;
    const log = { transactionalId: job.transactionalId, producerId, producerEpoch, committed, topic: tp.topic, partition: tp.partition, error: errorName(code) };
    if (code === ErrorCode.NONE || DROPPED.has(code)) {
      if (code !== ErrorCode.NONE) this.#options.logger.info(log, 'transaction marker not written: partition dropped from the transaction');
      job.remaining.delete(tpKey(tp.topic, tp.partition));
      if (job.remaining.size === 0) this.#options.onMarkersWritten(txnPartition, job);
      return;
    }
    if (FENCED.has(code) || FATAL.has(code)) {
      this.#stopped.add(job);
      const level = FENCED.has(code) ? 'warn' : 'error';
      this.#options.logger[level](log, 'transaction markers stopped: the transaction stays in its prepare state until its partition is loaded again');
      return;
    }
    this.retryLater(txnPartition, attempt, () => void this.#write(txnPartition, scope, job, tp, attempt + 1));
  }
}
