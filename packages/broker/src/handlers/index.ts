import { produceHandler } from './00-produce.ts';
import { fetchHandler } from './01-fetch.ts';
import { listOffsetsHandler } from './02-list-offsets.ts';
import { metadataHandler } from './03-metadata.ts';
import { offsetCommitHandler } from './08-offset-commit.ts';
import { offsetFetchHandler } from './09-offset-fetch.ts';
import { findCoordinatorHandler } from './10-find-coordinator.ts';
import { joinGroupHandler } from './11-join-group.ts';
import { heartbeatHandler } from './12-heartbeat.ts';
import { leaveGroupHandler } from './13-leave-group.ts';
import { syncGroupHandler } from './14-sync-group.ts';
import { describeGroupsHandler } from './15-describe-groups.ts';
import { listGroupsHandler } from './16-list-groups.ts';
import { apiVersionsHandler } from './18-api-versions.ts';
import { createTopicsHandler } from './19-create-topics.ts';
import { deleteTopicsHandler } from './20-delete-topics.ts';
import { deleteRecordsHandler } from './21-delete-records.ts';
import { initProducerIdHandler } from './22-init-producer-id.ts';
import { offsetForLeaderEpochHandler } from './23-offset-for-leader-epoch.ts';
import { addPartitionsToTxnHandler } from './24-add-partitions-to-txn.ts';
import { addOffsetsToTxnHandler } from './25-add-offsets-to-txn.ts';
import { endTxnHandler } from './26-end-txn.ts';
import { txnOffsetCommitHandler } from './28-txn-offset-commit.ts';
import { describeConfigsHandler } from './32-describe-configs.ts';
import { alterConfigsHandler } from './33-alter-configs.ts';
import { describeLogDirsHandler } from './35-describe-log-dirs.ts';
import { createPartitionsHandler } from './37-create-partitions.ts';
import { deleteGroupsHandler } from './42-delete-groups.ts';
import { incrementalAlterConfigsHandler } from './44-incremental-alter-configs.ts';
import { offsetDeleteHandler } from './47-offset-delete.ts';
import { describeClusterHandler } from './60-describe-cluster.ts';
import { describeProducersHandler } from './61-describe-producers.ts';
import { describeTransactionsHandler } from './65-describe-transactions.ts';
import { listTransactionsHandler } from './66-list-transactions.ts';
import { consumerGroupHeartbeatHandler } from './68-consumer-group-heartbeat.ts';
import { consumerGroupDescribeHandler } from './69-consumer-group-describe.ts';
import type { HandlerRegistry } from './registry.ts';
import type { BrokerServices } from './services.ts';

/** Registers every handler the broker serves. */
export function createHandlers(registry: HandlerRegistry, s: BrokerServices): void {
  registry
    .register(produceHandler(s))
    .register(fetchHandler(s))
    .register(listOffsetsHandler(s))
    .register(metadataHandler(s))
    .register(offsetCommitHandler(s))
    .register(offsetFetchHandler(s))
    .register(findCoordinatorHandler(s))
    .register(joinGroupHandler(s))
    .register(heartbeatHandler(s))
    .register(leaveGroupHandler(s))
    .register(syncGroupHandler(s))
    .register(describeGroupsHandler(s))
    .register(listGroupsHandler(s))
    .register(apiVersionsHandler(registry))
    .register(createTopicsHandler(s))
    .register(deleteTopicsHandler(s))
    .register(deleteRecordsHandler(s))
    .register(initProducerIdHandler(s))
    .register(offsetForLeaderEpochHandler(s))
    .register(addPartitionsToTxnHandler(s))
    .register(addOffsetsToTxnHandler(s))
    .register(endTxnHandler(s))
    .register(txnOffsetCommitHandler(s))
    .register(describeConfigsHandler(s))
    .register(alterConfigsHandler(s))
    .register(describeLogDirsHandler(s))
    .register(incrementalAlterConfigsHandler(s))
    .register(createPartitionsHandler(s))
    .register(deleteGroupsHandler(s))
    .register(offsetDeleteHandler(s))
    .register(describeClusterHandler(s))
    .register(describeProducersHandler(s))
    .register(describeTransactionsHandler(s))
    .register(listTransactionsHandler(s))
    .register(consumerGroupHeartbeatHandler(s))
    .register(consumerGroupDescribeHandler(s));
}
