/**
 * DescribeTransactions (key 65), v0 (KIP-664): the state of each transactional id this
 * broker coordinates: state name (Kafka's: Empty, Ongoing, PrepareCommit, ...), producer
 * id and epoch, timeout, start time and partitions. While markers are being written only
 * the partitions still without theirs are listed, as Kafka does. An id not known is
 * TRANSACTIONAL_ID_NOT_FOUND; one another broker coordinates NOT_COORDINATOR.
 *
 * Gaps: authorization (TRANSACTIONAL_ID DESCRIBE) comes with ACLs.
 */
import { ApiKey, DescribeTransactionsRequest, DescribeTransactionsResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function describeTransactionsHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.DescribeTransactions,
    request: DescribeTransactionsRequest,
    response: DescribeTransactionsResponse,
    minVersion: 0,
    maxVersion: 0,
    handle(req) {
      return {
        throttleTimeMs: 0,
        transactionStates: s.transactions.describeTransactions(req.transactionalIds).map((t) => ({
          ...t, transactionStartTimeMs: BigInt(t.transactionStartTimeMs), producerId: BigInt(t.producerId),
        })),
      };
    },
  });
}
