/**
 * The smallest Kafka client the idempotence tests need: our own @samsa/protocol encoders
 * over a socket, so a test can send exactly the bytes it wants (the same batch twice, a
 * sequence gap, an old epoch) and see exactly what the broker answers.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import {
  ApiKey, FrameReader, RecordBatch, buildRecordBatch, decodeResponse, encodeRequest, frame,
  type FetchResponse, type Input, type InitProducerIdRequest, type InitProducerIdResponse, type ProduceResponse,
} from '@samsa/protocol';

export class WireClient {
  readonly #socket: Socket;
  readonly #frames = new FrameReader(64 * 1024 * 1024);
  readonly #waiting = new Map<number, { apiKey: number; version: number; resolve: (body: unknown) => void; reject: (e: Error) => void }>();
  #correlationId = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.#frames.push(chunk)) {
        const id = f.readInt32BE(0);
        const w = this.#waiting.get(id);
        if (w === undefined) continue;
        this.#waiting.delete(id);
        try {
          w.resolve(decodeResponse(f, w.apiKey, w.version).body);
        } catch (err) {
          w.reject(err as Error);
        }
      }
    });
    const fail = () => {
      for (const w of this.#waiting.values()) w.reject(new Error('connection closed'));
      this.#waiting.clear();
    };
    socket.on('close', fail);
    socket.on('error', fail);
  }

  static async connect(port: number): Promise<WireClient> {
    const s = connect(port, '127.0.0.1');
    await once(s, 'connect');
    return new WireClient(s);
  }

  /** Sends a request and resolves with the decoded response body (in request order, pipelined). */
  request<T>(apiKey: number, version: number, body: object): Promise<T> {
    const id = ++this.#correlationId;
    const answer = new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { apiKey, version, resolve: resolve as (b: unknown) => void, reject });
    });
    for (const c of frame(encodeRequest(apiKey, version, id, 'idempotent-test', body))) this.#socket.write(c);
    return answer;
  }

  initProducerId(version: number, body: Partial<Input<InitProducerIdRequest>> = {}): Promise<InitProducerIdResponse> {
    return this.request(ApiKey.InitProducerId, version, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1, ...body });
  }

  /** Produce v9 (acks=-1) of one batch to one partition; the partition's answer. */
  async produce(topic: string, partition: number, records: Buffer): Promise<ProduceResponse['responses'][number]['partitionResponses'][number]> {
    const r = await this.request<ProduceResponse>(ApiKey.Produce, 9, {
      transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
    });
    return r.responses[0]!.partitionResponses[0]!;
  }

  /** Every batch of a partition from offset 0 to its high watermark, by Fetch v11. */
  async fetchAll(topic: string, partition: number): Promise<RecordBatch[]> {
    const out: RecordBatch[] = [];
    let offset = 0n;
    for (;;) {
      const r = await this.request<FetchResponse>(ApiKey.Fetch, 11, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 8 * 1024 * 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1n, partitionMaxBytes: 8 * 1024 * 1024 }] }],
        forgottenTopicsData: [], rackId: '',
      });
      const p = r.responses[0]!.partitions[0]!;
      if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode}`);
      const bytes = p.records;
      if (bytes === null || bytes.length === 0) return out;
      let pos = 0;
      while (pos < bytes.length) {
        const b = new RecordBatch(bytes, pos);
        b.ensureValid();
        if (b.lastOffset >= offset) out.push(b);
        pos += b.sizeInBytes;
        offset = b.lastOffset + 1n;
      }
      if (offset >= p.highWatermark) return out;
    }
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** An idempotent producer's batch of `count` records `<tag>-<seq>` starting at sequence `seq`. */
export function idempotentBatch(producerId: bigint, epoch: number, seq: number, count: number, tag: string): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ key: `k${(seq + i) % 7}`, value: `${tag}-${seq + i}` }));
  return buildRecordBatch(records, { producerId, producerEpoch: epoch, baseSequence: seq });
}

/** Values of every record in `batches`, in offset order. */
export function valuesOf(batches: readonly RecordBatch[]): string[] {
  return batches.flatMap((b) => b.toArray().map((r) => r.value!.toString()));
}
