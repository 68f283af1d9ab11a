/**
 * One partition this broker hosts (Kafka's Partition): its log, its leader epoch and the
 * high watermark. On a single node the in-sync replica set is this broker alone, so the
 * high watermark follows the log end offset; replication (followers fetching, ISR
 * tracking) will move it instead when the cluster lands, through the same method.
 */
import type { UnifiedLog } from '../storage/unified-log.ts';

export class Partition {
  readonly topic: string;
  readonly index: number;
  readonly log: UnifiedLog;
  leaderEpoch: number;
  #waiters = new Set<() => void>();

  constructor(topic: string, index: number, log: UnifiedLog, leaderEpoch: number) {
    this.topic = topic;
    this.index = index;
    this.log = log;
    this.leaderEpoch = leaderEpoch;
    this.maybeIncrementHighWatermark();
  }

  /** With an ISR of one, everything appended is replicated. */
  maybeIncrementHighWatermark(): void {
    this.log.updateHighWatermark(this.log.logEndOffset);
  }

  /** Calls `fn` once, the next time data is appended (parked Fetch requests). */
  onNextAppend(fn: () => void): () => void {
    this.#waiters.add(fn);
    return () => this.#waiters.delete(fn);
  }

  notifyAppend(): void {
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w();
  }
}
