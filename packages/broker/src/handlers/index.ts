import { produceHandler } from './00-produce.ts';
import { fetchHandler } from './01-fetch.ts';
import { listOffsetsHandler } from './02-list-offsets.ts';
import { metadataHandler } from './03-metadata.ts';
import { apiVersionsHandler } from './18-api-versions.ts';
import { createTopicsHandler } from './19-create-topics.ts';
import { deleteTopicsHandler } from './20-delete-topics.ts';
import { deleteRecordsHandler } from './21-delete-records.ts';
import { initProducerIdHandler } from './22-init-producer-id.ts';
import { offsetForLeaderEpochHandler } from './23-offset-for-leader-epoch.ts';
import { describeConfigsHandler } from './32-describe-configs.ts';
import { alterConfigsHandler } from './33-alter-configs.ts';
import { describeLogDirsHandler } from './35-describe-log-dirs.ts';
import { createPartitionsHandler } from './37-create-partitions.ts';
import { incrementalAlterConfigsHandler } from './44-incremental-alter-configs.ts';
import { describeClusterHandler } from './60-describe-cluster.ts';
import type { HandlerRegistry } from './registry.ts';
import type { BrokerServices } from './services.ts';

/** Registers every handler the broker serves. */
export function createHandlers(registry: HandlerRegistry, s: BrokerServices): void {
  registry
    .register(produceHandler(s))
    .register(fetchHandler(s))
    .register(listOffsetsHandler(s))
    .register(metadataHandler(s))
    .register(apiVersionsHandler(registry))
    .register(createTopicsHandler(s))
    .register(deleteTopicsHandler(s))
    .register(deleteRecordsHandler(s))
    .register(initProducerIdHandler(s))
    .register(offsetForLeaderEpochHandler(s))
    .register(describeConfigsHandler(s))
    .register(alterConfigsHandler(s))
    .register(describeLogDirsHandler(s))
    .register(incrementalAlterConfigsHandler(s))
    .register(createPartitionsHandler(s))
    .register(describeClusterHandler(s));
}
