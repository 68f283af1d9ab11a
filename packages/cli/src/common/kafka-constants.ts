/**
 * Kafka protocol constants the tools use, by Kafka's names. @platformatic/kafka exports
 * the same values, but importing them would load the whole library before a tool knows it
 * needs a client (see clients.ts).
 */

/** DescribeConfigs/AlterConfigs resource types. */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** DescribeConfigs config sources (KIP-226). */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;

export const configSourceName = (source: number): string =>
  Object.entries(ConfigSource).find(([, v]) => v === source)?.[0] ?? `UNKNOWN(${source})`;

/** IncrementalAlterConfigs operations. */
export const AlterConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

/** ListOffsets special timestamps. */
export const ListOffsetsTimestamp = { LATEST: -1n, EARLIEST: -2n } as const;

/** Fetch isolation levels (KIP-98). */
export const IsolationLevel = { READ_UNCOMMITTED: 0, READ_COMMITTED: 1 } as const;
