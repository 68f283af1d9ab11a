/**
 * Producer ids and epochs for idempotent producers (InitProducerId without a
 * transactional id; KIP-98, KIP-360). Transactional producers get their ids from
 * `generateProducerId` too, but their epochs are the transaction coordinator's
 * (coordinator/transaction/), kept in `__transaction_state`, not here.
 *
 * Ids come from blocks the metadata store hands out durably (Kafka's ProducerIdManager,
 * blocks of 1000): an id is never given twice, across restarts and kill -9 included; a
 * restart skips what was left of the block in use.
 *
 * Epoch bumps (KIP-360, InitProducerId v3+ with the producer's id and epoch): Kafka's
 * broker answers an idempotent producer's bump with a fresh producer id. Samsa bumps the
 * epoch of the same id instead, so the partitions fence the old epoch's in-flight batches
 * (INVALID_PRODUCER_EPOCH) rather than let them land under a forgotten id. Which epoch is
 * current is remembered here, in memory, with KIP-360's retry rule: the epoch just bumped
 * from is answered with the current one again (the answer to the bump was lost). After a
 * restart nothing is remembered and the given epoch is taken as current. An epoch that
 * would pass Short.MAX_VALUE - 1, or an id this broker has not handed out, gets a new id.
 */
import { ErrorCode } from '@samsa/protocol';

/** Where blocks of producer ids come from: the metadata store (local file, later etcd). */
export interface ProducerIdBlockSource {
  allocateProducerIdBlock(size: number): Promise<{ firstProducerId: number; size: number }>;
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

interface EpochState {
  epoch: number;
  /** The epoch before the last bump (-1: none), for retried bumps. */
  lastEpoch: number;
}

/** Kafka's RecordBatch.NO_PRODUCER_ID / NO_PRODUCER_EPOCH. */
const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;
/** Kafka rotates to a new id rather than reach Short.MAX_VALUE (it marks "no epoch" on the wire in places). */
const MAX_EPOCH = 32767 - 1;
export const DEFAULT_PRODUCER_ID_BLOCK_SIZE = 1000;
/** Producers whose bumps are remembered; the oldest are forgotten first (they then bump as after a restart). */
const MAX_REMEMBERED_EPOCHS = 100_000;

export class ProducerIdManager {
  readonly #source: ProducerIdBlockSource;
  readonly #blockSize: number;
  #next = 0;
  #end = 0;
  /**
   * Ids below this were handed out (or skipped for good); the first block fetched after a
   * start sets it to that block's first id, so ids from before a restart count too.
   */
  #handedOutBelow = 0;
  #fetching: Promise<void> | null = null;
  readonly #epochs = new Map<number, EpochState>();

  constructor(source: ProducerIdBlockSource, blockSize = DEFAULT_PRODUCER_ID_BLOCK_SIZE) {
    this.#source = source;
    this.#blockSize = blockSize;
  }

  /** A producer id never handed out before. */
  async generateProducerId(): Promise<number> {
    while (this.#next >= this.#end) await this.#fetchBlock();
    const id = this.#next++;
    this.#handedOutBelow = this.#next;
    return id;
  }

  /**
   * InitProducerId for an idempotent producer. `producerId`/`producerEpoch` are -1 for a
   * new producer (and below v3); otherwise the producer asks for an epoch bump.
   */
  async initProducerId(producerId: bigint, producerEpoch: number): Promise<InitProducerIdResult> {
    if ((producerId === NO_PRODUCER_ID) !== (producerEpoch === NO_PRODUCER_EPOCH)) {
      // Kafka's KafkaApis: an id without an epoch, or an epoch without an id, is malformed.
      return { errorCode: ErrorCode.INVALID_REQUEST, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
    }
    if (producerId === NO_PRODUCER_ID) return this.#fresh();
    if (this.#end === 0) await this.#fetchBlock();
    const id = Number(producerId);
    if (producerId < 0n || id >= this.#handedOutBelow || producerEpoch < 0) return this.#fresh();
    const known = this.#epochs.get(id);
    let current: number;
    if (known === undefined || producerEpoch === known.epoch) {
      current = producerEpoch;
    } else if (producerEpoch === known.lastEpoch) {
      return { errorCode: ErrorCode.NONE, producerId, producerEpoch: known.epoch };
    } else {
      return { errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
    }
    if (current >= MAX_EPOCH) {
      this.#epochs.delete(id);
      return this.#fresh();
    }
    this.#remember(id, { epoch: current + 1, lastEpoch: current });
    return { errorCode: ErrorCode.NONE, producerId, producerEpoch: current + 1 };
  }

  #fetchBlock(): Promise<void> {
    this.#fetching ??= this.#source.allocateProducerIdBlock(this.#blockSize).then((block) => {
      this.#next = block.firstProducerId;
      this.#end = block.firstProducerId + block.size;
      if (block.firstProducerId > this.#handedOutBelow) this.#handedOutBelow = block.firstProducerId;
    }).finally(() => {
      this.#fetching = null;
    });
    return this.#fetching;
  }

  async #fresh(): Promise<InitProducerIdResult> {
    const id = await this.generateProducerId();
    this.#remember(id, { epoch: 0, lastEpoch: NO_PRODUCER_EPOCH });
    return { errorCode: ErrorCode.NONE, producerId: BigInt(id), producerEpoch: 0 };
  }

  #remember(id: number, state: EpochState): void {
    this.#epochs.delete(id);
    this.#epochs.set(id, state);
    if (this.#epochs.size > MAX_REMEMBERED_EPOCHS) this.#epochs.delete(this.#epochs.keys().next().value!);
  }
}
