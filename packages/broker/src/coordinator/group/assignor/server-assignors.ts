/** The assignors Samsa ships, by the names members ask for; `group.consumer.assignors` chooses among them. */
import type { PartitionAssignor } from './partition-assignor.ts';
import { RangeAssignor } from './range-assignor.ts';
import { UniformAssignor } from './uniform-assignor.ts';

export const serverAssignors: ReadonlyMap<string, PartitionAssignor> = new Map<string, PartitionAssignor>([
  [UniformAssignor.name, UniformAssignor],
  [RangeAssignor.name, RangeAssignor],
]);

/** Kafka's class names for its two assignors, accepted in `group.consumer.assignors` as Kafka 3.x wrote them. */
export const assignorClassNames: ReadonlyMap<string, string> = new Map([
  ['org.apache.kafka.coordinator.group.assignor.UniformAssignor', UniformAssignor.name],
  ['org.apache.kafka.coordinator.group.assignor.RangeAssignor', RangeAssignor.name],
]);

