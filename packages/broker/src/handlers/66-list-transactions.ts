/**
 * ListTransactions (key 66), v0-1 (KIP-664): the transactions this broker coordinates,
 * filtered by state name (names Samsa does not know come back in UnknownStateFilters and
 * match nothing), by producer id, and from v1 by duration (KIP-994: only transactions
 * running longer than that many ms). COORDINATOR_LOAD_IN_PROGRESS while a partition of
 * `__transaction_state` is loading.
 *
 * Gaps: authorization (only ids the caller may DESCRIBE) comes with ACLs.
 */
import { ApiKey, ListTransactionsRequest, ListTransactionsResponse } from '@samsa/protocol';
import { defineHandler } from './handler.ts';
import type { BrokerServices } from './services.ts';

export function listTransactionsHandler(s: BrokerServices) {
  return defineHandler({
    apiKey: ApiKey.ListTransactions,
    request: ListTransactionsRequest,
    response: ListTransactionsResponse,
    minVersion: 0,
    maxVersion: 1,
    handle(req, ctx) {
      const r = s.transactions.listTransactions({
        stateFilters: req.stateFilters,
        producerIdFilters: req.producerIdFilters.map(Number),
        durationFilterMs: ctx.apiVersion >= 1 ? Number(req.durationFilter) : -1,
      });
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        unknownStateFilters: r.unknownStateFilters,
        transactionStates: r.transactionStates.map((t) => ({ ...t, producerId: BigInt(t.producerId) })),
      };
    },
  });
}
