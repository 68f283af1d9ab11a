/**
 * One view of a consumer group whichever protocol it uses. Classic groups come from
 * DescribeGroups (the library decodes the consumer protocol's assignments); a KIP-848
 * consumer group is answered there as Dead, so for those ids ConsumerGroupDescribe is
 * asked of the group's coordinator (the library has the request codec but no admin
 * method for it). A group neither knows is Dead: it does not exist.
 */
import type { Admin } from '@platformatic/kafka';
import { CliError } from './cli-error.ts';

export interface GroupMemberView {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  assignment: Array<{ topic: string; partitions: number[] }>;
}

export interface GroupView {
  id: string;
  /** Kafka's spelling: Stable, Empty, PreparingRebalance, Dead, ... */
  state: string;
  groupProtocol: 'classic' | 'consumer';
  /** The assignor (KIP-848) or the selected classic protocol (range, roundrobin, ...). */
  assignor: string;
  members: GroupMemberView[];
}

const GROUP_ID_NOT_FOUND = 69;

/** Kafka's tools print states as Stable, PreparingRebalance, ...; some answers spell them STABLE. */
export function stateName(state: string): string {
  if (!/^[A-Z_]+$/.test(state)) return state;
  return state.toLowerCase().replace(/(^|_)([a-z])/g, (_, _sep: string, c: string) => c.toUpperCase());
}

export async function describeGroups(admin: Admin, groups: string[]): Promise<Map<string, GroupView>> {
  const out = new Map<string, GroupView>();
  const classic = await admin.describeGroups({ groups });
  const unknown: string[] = [];
  for (const id of groups) {
    const g = classic.get(id);
    if (g === undefined || stateName(g.state) === 'Dead') {
      unknown.push(id);
      continue;
    }
    out.set(id, {
      id,
      state: stateName(g.state),
      groupProtocol: 'classic',
      assignor: g.protocol,
      members: [...g.members.values()].map((m) => ({
        memberId: m.id,
        groupInstanceId: m.groupInstanceId ?? null,
        clientId: m.clientId,
        clientHost: m.clientHost,
        assignment: [...(m.assignments?.values() ?? [])].map((a) => ({ topic: a.topic, partitions: [...a.partitions].sort((x, y) => x - y) })),
      })),
    });
  }
  for (const id of unknown) out.set(id, await describeConsumerGroup(admin, id));
  return out;
}

async function describeConsumerGroup(admin: Admin, id: string): Promise<GroupView> {
  const dead: GroupView = { id, state: 'Dead', groupProtocol: 'classic', assignor: '', members: [] };
  const apis = await admin.listApis();
  if (!apis.some((a) => a.name === 'ConsumerGroupDescribe')) return dead;
  const [coordinator] = await admin.findCoordinator({ keyType: 0, keys: [id] });
  if (coordinator === undefined) return dead;
  const { Connection, consumerGroupDescribeV0 } = await import('@platformatic/kafka');
  const connection = new Connection('samsa-consumer-groups');
  let response;
  try {
    await connection.connect(coordinator.host, coordinator.port);
    response = await consumerGroupDescribeV0.api.async(connection, [id], false);
  } catch (err) {
    const groups = (err as { response?: typeof response }).response?.groups;
    if (groups?.[0]?.errorCode === GROUP_ID_NOT_FOUND) return dead;
    throw err;
  } finally {
    await connection.close();
  }
  const g = response.groups[0];
  if (g === undefined || g.errorCode === GROUP_ID_NOT_FOUND) return dead;
  if (g.errorCode !== 0) throw new CliError(`describing consumer group "${id}" failed: error ${g.errorCode}${g.errorMessage ? `: ${g.errorMessage}` : ''}`);
  return {
    id,
    state: stateName(g.groupState),
    groupProtocol: 'consumer',
    assignor: g.assignorName,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.instanceId ?? null,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignment: m.assignment.topicPartitions.map((t) => ({ topic: t.topicName, partitions: [...t.partitions].sort((x, y) => x - y) })),
    })),
  };
}
