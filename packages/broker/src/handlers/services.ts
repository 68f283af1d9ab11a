import type { MetadataStore } from '../cluster/metadata-store.ts';
import type { ProducerIdManager } from '../cluster/producer-id-manager.ts';
import type { ReplicaManager } from '../cluster/replica-manager.ts';
import type { TopicManager } from '../cluster/topic-manager.ts';
import type { BrokerConfig } from '../config/index.ts';
import type { GroupCoordinator } from '../coordinator/group/group-coordinator.ts';
import type { TransactionCoordinator } from '../coordinator/transaction/transaction-coordinator.ts';
import type { Logger } from '../logger.ts';

/** The domain objects handlers call into. */
export interface BrokerServices {
  readonly nodeId: number;
  readonly config: BrokerConfig;
  readonly metadata: MetadataStore;
  readonly replicas: ReplicaManager;
  readonly topics: TopicManager;
  /** Producer ids and epochs (InitProducerId). */
  readonly producerIds: ProducerIdManager;
  readonly groups: GroupCoordinator;
  /** Transactions (InitProducerId with a transactional id, AddPartitionsToTxn, EndTxn, ...). */
  readonly transactions: TransactionCoordinator;
  readonly log: Logger;
  /** The log dirs, for DescribeLogDirs. */
  readonly logDirs: readonly string[];
}
