import { ErrorCode } from '@samsa/protocol';

/**
 * KIP-588: clients know PRODUCER_FENCED only from the version in which each API added it
 * (InitProducerId v4; AddPartitionsToTxn, AddOffsetsToTxn and EndTxn v2; never
 * TxnOffsetCommit). Older ones get INVALID_PRODUCER_EPOCH, which they treat as fenced,
 * as Kafka answers them.
 */
export function producerFencedFor(errorCode: number, clientKnowsIt: boolean): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && !clientKnowsIt ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}
