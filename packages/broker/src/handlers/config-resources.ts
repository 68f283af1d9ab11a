/**
 * The config resources DescribeConfigs, AlterConfigs and IncrementalAlterConfigs address,
 * shared by the three handlers: topics (type 2) and this broker (type 4; an empty name
 * means the cluster-wide default). Broker loggers (type 8) are not served.
 */
import { ErrorCode } from '@samsa/protocol';
import { effectiveTopicConfig, validateTopicConfig, type ConfigEntryDescription, type DynamicLevel } from '../config/index.ts';
import type { BrokerServices } from './services.ts';

export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

export type Resolved =
  | { kind: 'topic'; name: string }
  | { kind: 'broker'; level: DynamicLevel }
  | { kind: 'error'; errorCode: number; errorMessage: string };

export function resolveResource(s: BrokerServices, resourceType: number, resourceName: string): Resolved {
  if (resourceType === ResourceType.TOPIC) {
    if (s.metadata.topic(resourceName) === undefined) {
      return { kind: 'error', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${resourceName} does not exist` };
    }
    return { kind: 'topic', name: resourceName };
  }
  if (resourceType === ResourceType.BROKER) {
    if (resourceName === '') return { kind: 'broker', level: 'cluster' };
    if (resourceName === String(s.nodeId)) return { kind: 'broker', level: 'broker' };
    return { kind: 'error', errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id ${resourceName}: this is broker ${s.nodeId}` };
  }
  return { kind: 'error', errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resourceType}` };
}

/** DescribeConfigs entries for a topic or the broker; `keys` null means every key. */
export function describeResource(s: BrokerServices, r: { kind: 'topic'; name: string } | { kind: 'broker' }, keys: readonly string[] | null): ConfigEntryDescription[] {
  const names = keys ?? undefined;
  if (r.kind === 'broker') return s.config.describe(names);
  const stored = s.metadata.topic(r.name)?.configs ?? {};
  const v = validateTopicConfig(stored, s.config);
  return effectiveTopicConfig(s.config, v.ok ? v.overrides : {}).describe(names);
}

/**
 * Waits until an accepted broker-config change is stored, so that a success answer means
 * the change survives a restart (also kill -9); a failed write is reported, although the
 * change already took effect in this process.
 */
export async function awaitPersisted(s: BrokerServices, result: { errorCode: number; errorMessage: string | null }):
Promise<{ errorCode: number; errorMessage: string | null }> {
  if (result.errorCode !== ErrorCode.NONE) return result;
  try {
    await s.config.persisted();
    return result;
  } catch (err) {
    return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: `The change took effect but could not be stored: ${err instanceof Error ? err.message : String(err)}` };
  }
}
