/**
 * Per-log settings, Kafka's topic configs camelCased (`segment.bytes` → segmentBytes).
 * Defaults are Kafka's. The broker's config table (config/) maps keys onto this shape;
 * storage only needs the resolved values.
 */
export interface LogConfig {
  /** segment.bytes */
  segmentBytes: number;
  /** segment.ms */
  segmentMs: number;
  /** segment.index.bytes: an index this full rolls the segment. */
  segmentIndexBytes: number;
  /** index.interval.bytes */
  indexIntervalBytes: number;
  /** flush.messages: fsync once this many messages are unflushed (group commit). */
  flushMessages: number;
  /** flush.ms */
  flushMs: number;
  /** retention.ms; -1 keeps forever. */
  retentionMs: number;
  /** retention.bytes; -1 keeps forever. */
  retentionBytes: number;
  /** cleanup.policy */
  cleanupPolicy: ReadonlyArray<'delete' | 'compact'>;
  /** delete.retention.ms: how long a tombstone stays readable after the cleaner first saw it. */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio */
  minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms */
  minCompactionLagMs: number;
  /** file.delete.delay.ms */
  fileDeleteDelayMs: number;
  /** max.message.bytes: largest batch accepted. */
  maxMessageBytes: number;
  /** message.timestamp.type */
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  /**
   * transaction.partition.verification.enable (a broker config in Kafka 3.6+, KIP-890):
   * a client's transactional batch that opens a transaction must carry the verification
   * guard the log handed out (UnifiedLog.maybeStartTransactionVerification). Absent: on.
   */
  transactionPartitionVerificationEnable?: boolean;
}

const NEVER = Number.MAX_SAFE_INTEGER;

export const defaultLogConfig: Readonly<LogConfig> = Object.freeze<LogConfig>({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 3600 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  flushMessages: NEVER,
  flushMs: NEVER,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  cleanupPolicy: ['delete'],
  deleteRetentionMs: 24 * 3600 * 1000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  fileDeleteDelayMs: 60_000,
  maxMessageBytes: 1024 * 1024 + 12,
  messageTimestampType: 'CreateTime',
  transactionPartitionVerificationEnable: true,
});

export function resolveLogConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  const config = { ...defaultLogConfig, ...overrides };
  if (config.segmentBytes < 14 || config.segmentBytes > 0x7fffffff) {
    // Index positions are int32, so a segment can never exceed 2 GiB.
    throw new RangeError(`segment.bytes ${config.segmentBytes} outside [14, 2147483647]`);
  }
  if (config.segmentIndexBytes < 8) throw new RangeError(`segment.index.bytes ${config.segmentIndexBytes} below 8`);
  if (config.flushMessages < 1) throw new RangeError(`flush.messages ${config.flushMessages} below 1`);
  if (config.minCleanableDirtyRatio < 0 || config.minCleanableDirtyRatio > 1) {
    throw new RangeError(`min.cleanable.dirty.ratio ${config.minCleanableDirtyRatio} outside [0, 1]`);
  }
  return config;
}
