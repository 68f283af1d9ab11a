/**
 * A capture tool, not a broker. This is a fake Kafka broker on loopback that records every
 * request frame it receives, byte for byte, and answers just well enough that real clients
 * (kafkajs, kcat/librdkafka, kafka-python) go on to their next request. It exists to
 * produce the fixtures in packages/protocol/test/fixtures/frames/ (see ../README.md).
 *
 * What it pretends: one broker (node id 1, itself), every topic exists with one partition
 * led by it (asking for a topic creates it), every group has one member who leads it, and
 * produced batches are kept in memory so a consumer can fetch them back. What it does not
 * do, on purpose: validate anything, persist anything, enforce sessions or generations,
 * remember committed offsets (OffsetFetch always answers -1), or serve more than the APIs
 * listed in `advertised` below. A request for any other API closes the connection, as
 * Kafka does.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import {
  ApiKey, ErrorCode, FrameReader, RECORD_BATCH_OVERHEAD, BatchOffsets, decodeRequest, encodeResponse, frame,
  randomUuid, readRequestPreamble,
} from '../../../packages/protocol/src/index.ts';
import type {
  ApiVersionsResponse, CreateTopicsRequest, FetchRequest, FetchResponse, FindCoordinatorRequest, HeartbeatResponse,
  InitProducerIdResponse, Input, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse,
  ListOffsetsRequest, ListOffsetsResponse, MetadataRequest, MetadataResponse, OffsetCommitRequest, OffsetCommitResponse,
  OffsetFetchRequest, OffsetFetchResponse, ProduceRequest, ProduceResponse, RequestHeader, SyncGroupRequest,
  SyncGroupResponse, CreateTopicsResponse, FindCoordinatorResponse, Uuid,
} from '../../../packages/protocol/src/index.ts';

/**
 * The version ranges advertised in ApiVersions. Each client then sends the versions it
 * usually sends (see ../shared/kafka-protocol/CLIENTS.md): Produce starts at 0 because
 * librdkafka 2.0.2 only compresses when Produce v0 is advertised, and FindCoordinator and
 * InitProducerId keep v0 for its feature probes.
 */
export const advertised: ReadonlyMap<number, { minVersion: number; maxVersion: number }> = new Map([
  [ApiKey.Produce, { minVersion: 0, maxVersion: 9 }],
  [ApiKey.Fetch, { minVersion: 0, maxVersion: 12 }],
  [ApiKey.ListOffsets, { minVersion: 0, maxVersion: 7 }],
  [ApiKey.Metadata, { minVersion: 0, maxVersion: 12 }],
  [ApiKey.OffsetCommit, { minVersion: 0, maxVersion: 8 }],
  [ApiKey.OffsetFetch, { minVersion: 0, maxVersion: 8 }],
  [ApiKey.FindCoordinator, { minVersion: 0, maxVersion: 4 }],
  [ApiKey.JoinGroup, { minVersion: 0, maxVersion: 9 }],
  [ApiKey.Heartbeat, { minVersion: 0, maxVersion: 4 }],
  [ApiKey.LeaveGroup, { minVersion: 0, maxVersion: 5 }],
  [ApiKey.SyncGroup, { minVersion: 0, maxVersion: 5 }],
  [ApiKey.ApiVersions, { minVersion: 0, maxVersion: 3 }],
  [ApiKey.CreateTopics, { minVersion: 0, maxVersion: 7 }],
  [ApiKey.InitProducerId, { minVersion: 0, maxVersion: 4 }],
]);

const NODE_ID = 1;
const CLUSTER_ID = 'samsa-capture';
/** An empty Fetch is held at most this long, whatever max_wait the client asked for. */
const MAX_FETCH_WAIT_MS = 1000;

export interface RecordedFrame {
  /** Which accepted connection it came on, counting from 1. */
  connection: number;
  /** The recorder's `label` when the frame arrived. */
  label: string;
  /** The request exactly as received, without its 4-byte size prefix. */
  bytes: Buffer;
}

export interface RecorderOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  log?: (line: string) => void;
}

/** One partition's log: stored batches with their assigned base offsets. */
interface PartitionLog {
  topicId: Uuid;
  batches: { baseOffset: bigint; nextOffset: bigint; bytes: Buffer }[];
  logEndOffset: bigint;
}

interface GroupState {
  generationId: number;
  assignment: Buffer;
}

interface RequestContext {
  header: RequestHeader;
  version: number;
}

export class Recorder {
  readonly frames: RecordedFrame[] = [];
  /** Attached to every frame received from now on; the capture script sets it per step. */
  label = '';
  readonly #server: net.Server;
  readonly #host: string;
  readonly #log: (line: string) => void;
  readonly #sockets = new Set<net.Socket>();
  readonly #topics = new Map<string, PartitionLog>();
  readonly #groups = new Map<string, GroupState>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #connections = 0;
  #producerIds = 1000n;

  private constructor(server: net.Server, host: string, log: (line: string) => void) {
    this.#server = server;
    this.#host = host;
    this.#log = log;
  }

  static async start(options: RecorderOptions = {}): Promise<Recorder> {
    const host = options.host ?? '127.0.0.1';
    const server = net.createServer();
    const recorder = new Recorder(server, host, options.log ?? (() => {}));
    server.on('connection', (socket) => { recorder.#accept(socket); });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => { resolve(); });
    });
    return recorder;
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('recorder is not listening');
    return address.port;
  }

  get bootstrap(): string {
    return `${this.#host}:${this.port}`;
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => { this.#server.close(() => { resolve(); }); });
  }

  #accept(socket: net.Socket): void {
    const connection = ++this.#connections;
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    const reader = new FrameReader(64 * 1024 * 1024);
    // Requests on one connection are answered in order, as Kafka does.
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = reader.push(chunk);
      } catch (err) {
        this.#log(`connection ${connection}: ${String(err)}; closing`);
        socket.destroy();
        return;
      }
      for (const f of frames) {
        const bytes = Buffer.from(f);
        this.frames.push({ connection, label: this.label, bytes });
        queue = queue.then(() => this.#answer(socket, connection, bytes)).catch((err: unknown) => {
          this.#log(`connection ${connection}: ${err instanceof Error ? err.stack ?? err.message : String(err)}; closing`);
          socket.destroy();
        });
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => { this.#sockets.delete(socket); });
  }

  async #answer(socket: net.Socket, connection: number, bytes: Buffer): Promise<void> {
    if (socket.destroyed) return;
    const { apiKey, apiVersion, correlationId } = readRequestPreamble(bytes);
    const range = advertised.get(apiKey);
    if (apiKey === ApiKey.ApiVersions && range !== undefined && apiVersion > range.maxVersion) {
      // KIP-511: a version the broker does not know is answered in v0 with
      // UNSUPPORTED_VERSION and the broker's ranges, so the client can pick another.
      this.#send(socket, encodeResponse(apiKey, 0, correlationId, this.#apiVersions(ErrorCode.UNSUPPORTED_VERSION)));
      return;
    }
    if (range === undefined || apiVersion < range.minVersion || apiVersion > range.maxVersion) {
      this.#log(`connection ${connection}: API ${apiKey} v${apiVersion} is not served; closing`);
      socket.destroy();
      return;
    }
    const { header, body } = decodeRequest(bytes);
    const ctx: RequestContext = { header, version: apiVersion };
    const response = await this.#handle(ctx, body);
    if (response !== null) this.#send(socket, encodeResponse(apiKey, apiVersion, correlationId, response));
  }

  #send(socket: net.Socket, chunks: Buffer[]): void {
    if (!socket.destroyed) socket.write(Buffer.concat(frame(chunks)));
  }

  /** Returns the response body, or null when the request gets none (Produce with acks=0). */
  async #handle(ctx: RequestContext, body: unknown): Promise<Input<unknown> | null> {
    switch (ctx.header.requestApiKey) {
      case ApiKey.ApiVersions: return this.#apiVersions(ErrorCode.NONE);
      case ApiKey.Metadata: return this.#metadata(ctx, body as MetadataRequest);
      case ApiKey.Produce: return this.#produce(body as ProduceRequest);
      case ApiKey.Fetch: return this.#fetch(ctx, body as FetchRequest);
      case ApiKey.ListOffsets: return this.#listOffsets(ctx, body as ListOffsetsRequest);
      case ApiKey.FindCoordinator: return this.#findCoordinator(ctx, body as FindCoordinatorRequest);
      case ApiKey.JoinGroup: return this.#joinGroup(ctx, body as JoinGroupRequest);
      case ApiKey.SyncGroup: return this.#syncGroup(ctx, body as SyncGroupRequest);
      case ApiKey.Heartbeat: return { errorCode: ErrorCode.NONE } satisfies Input<HeartbeatResponse>;
      case ApiKey.LeaveGroup: return this.#leaveGroup(ctx, body as LeaveGroupRequest);
      case ApiKey.OffsetCommit: return this.#offsetCommit(body as OffsetCommitRequest);
      case ApiKey.OffsetFetch: return this.#offsetFetch(ctx, body as OffsetFetchRequest);
      case ApiKey.InitProducerId: return this.#initProducerId();
      case ApiKey.CreateTopics: return this.#createTopics(ctx, body as CreateTopicsRequest);
      default: throw new Error(`no handler for API ${ctx.header.requestApiKey}`);
    }
  }

  #apiVersions(errorCode: number): Input<ApiVersionsResponse> {
    const apiKeys = [...advertised].map(([apiKey, r]) => ({ apiKey, ...r }));
    return { errorCode, apiKeys };
  }

  #partition(topic: string): PartitionLog {
    let log = this.#topics.get(topic);
    if (log === undefined) {
      log = { topicId: randomUuid(), batches: [], logEndOffset: 0n };
      this.#topics.set(topic, log);
    }
    return log;
  }

  #metadata({ version }: RequestContext, req: MetadataRequest): Input<MetadataResponse> {
    // v0 asks for every topic with an empty list, v1+ with null (and for none with []).
    const all = req.topics === null || (version === 0 && req.topics.length === 0);
    const names = all ? [...this.#topics.keys()] : req.topics!.flatMap((t) => (t.name === null ? [] : [t.name]));
    return {
      brokers: [{ nodeId: NODE_ID, host: this.#host, port: this.port, rack: null }],
      clusterId: CLUSTER_ID,
      controllerId: NODE_ID,
      topics: names.map((name) => ({
        errorCode: ErrorCode.NONE,
        name,
        topicId: this.#partition(name).topicId,
        isInternal: false,
        partitions: [{
          errorCode: ErrorCode.NONE, partitionIndex: 0, leaderId: NODE_ID, leaderEpoch: 0,
          replicaNodes: [NODE_ID], isrNodes: [NODE_ID], offlineReplicas: [],
        }],
      })),
    };
  }

  #produce(req: ProduceRequest): Input<ProduceResponse> | null {
    const responses = req.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((p) => {
        const log = this.#partition(topic.name);
        const baseOffset = log.logEndOffset;
        const errorCode = p.records === null ? ErrorCode.NONE : this.#append(log, p.records);
        return { index: p.index, errorCode, baseOffset, logAppendTimeMs: -1n, logStartOffset: 0n };
      }),
    }));
    return req.acks === 0 ? null : { responses };
  }

  /** Appends v2 batches, assigning offsets in each batch's header (outside its CRC). */
  #append(log: PartitionLog, records: Buffer): number {
    const batches: PartitionLog['batches'] = [];
    let next = log.logEndOffset;
    for (let pos = 0; pos < records.length;) {
      if (records.length - pos < RECORD_BATCH_OVERHEAD || records.readInt8(pos + BatchOffsets.magic) !== 2) {
        return ErrorCode.CORRUPT_MESSAGE;
      }
      const size = 12 + records.readInt32BE(pos + BatchOffsets.batchLength);
      if (size < RECORD_BATCH_OVERHEAD || pos + size > records.length) return ErrorCode.CORRUPT_MESSAGE;
      const bytes = Buffer.from(records.subarray(pos, pos + size));
      bytes.writeBigInt64BE(next, BatchOffsets.baseOffset);
      const nextOffset = next + BigInt(bytes.readInt32BE(BatchOffsets.lastOffsetDelta)) + 1n;
      batches.push({ baseOffset: next, nextOffset, bytes });
      next = nextOffset;
      pos += size;
    }
    log.batches.push(...batches);
    log.logEndOffset = next;
    return ErrorCode.NONE;
  }

  async #fetch({ version }: RequestContext, req: FetchRequest): Promise<Input<FetchResponse>> {
    const answer = (): { response: Input<FetchResponse>; bytes: number } => {
      let bytes = 0;
      const responses = req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          const log = this.#partition(t.topic);
          const outOfRange = p.fetchOffset > log.logEndOffset;
          const found = log.batches.filter((b) => b.nextOffset > p.fetchOffset).map((b) => b.bytes);
          const records = Buffer.concat(found);
          bytes += records.length;
          return {
            partitionIndex: p.partition,
            errorCode: outOfRange ? ErrorCode.OFFSET_OUT_OF_RANGE : ErrorCode.NONE,
            highWatermark: log.logEndOffset,
            lastStableOffset: log.logEndOffset,
            logStartOffset: 0n,
            abortedTransactions: version >= 4 ? [] : null,
            records,
          };
        }),
      }));
      // Session id 0 declines a fetch session (KIP-227), which Kafka allows.
      return { response: { errorCode: ErrorCode.NONE, sessionId: 0, responses }, bytes };
    };
    const first = answer();
    if (first.bytes > 0 || req.maxWaitMs <= 0) return first.response;
    await this.#sleep(Math.min(req.maxWaitMs, MAX_FETCH_WAIT_MS));
    return answer().response;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.#timers.delete(t); resolve(); }, ms);
      this.#timers.add(t);
    });
  }

  #listOffsets({ version }: RequestContext, req: ListOffsetsRequest): Input<ListOffsetsResponse> {
    // Every partition starts at offset 0, and answering 0 for "latest" too lets a consumer
    // whose reset policy is "latest" still read what was produced before it joined.
    return {
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => version === 0
          ? { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, oldStyleOffsets: [0n] }
          : { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, timestamp: -1n, offset: 0n, leaderEpoch: version >= 4 ? 0 : -1 }),
      })),
    };
  }

  #findCoordinator({ version }: RequestContext, req: FindCoordinatorRequest): Input<FindCoordinatorResponse> {
    const me = { nodeId: NODE_ID, host: this.#host, port: this.port, errorCode: ErrorCode.NONE, errorMessage: null };
    // v4 batches keys (KIP-699); earlier versions ask for one.
    if (version >= 4) return { coordinators: req.coordinatorKeys.map((key) => ({ key, ...me })) };
    return me;
  }

  #joinGroup({ header, version }: RequestContext, req: JoinGroupRequest): Input<JoinGroupResponse> {
    const noProtocolName = version >= 7 ? null : '';
    if (req.memberId === '' && version >= 4) {
      // KIP-394: from v4 a new member is first handed its id and must join again with it.
      return {
        errorCode: ErrorCode.MEMBER_ID_REQUIRED, generationId: -1, protocolName: noProtocolName, leader: '',
        memberId: `${header.clientId ?? 'member'}-${randomUUID()}`,
      };
    }
    const memberId = req.memberId === '' ? `${header.clientId ?? 'member'}-${randomUUID()}` : req.memberId;
    const protocol = req.protocols[0];
    if (protocol === undefined) {
      return { errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL, protocolName: noProtocolName, memberId };
    }
    const group = this.#groups.get(req.groupId) ?? { generationId: 0, assignment: Buffer.alloc(0) };
    group.generationId += 1;
    this.#groups.set(req.groupId, group);
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: version >= 7 ? req.protocolType : null,
      protocolName: protocol.name,
      leader: memberId,
      memberId,
      members: [{ memberId, groupInstanceId: req.groupInstanceId, metadata: protocol.metadata }],
    };
  }

  #syncGroup({ version }: RequestContext, req: SyncGroupRequest): Input<SyncGroupResponse> {
    const group = this.#groups.get(req.groupId);
    const mine = req.assignments.find((a) => a.memberId === req.memberId);
    if (group !== undefined && mine !== undefined) group.assignment = mine.assignment;
    return {
      errorCode: group === undefined ? ErrorCode.UNKNOWN_MEMBER_ID : ErrorCode.NONE,
      protocolType: version >= 5 ? req.protocolType : null,
      protocolName: version >= 5 ? req.protocolName : null,
      assignment: group?.assignment ?? Buffer.alloc(0),
    };
  }

  #leaveGroup({ version }: RequestContext, req: LeaveGroupRequest): Input<LeaveGroupResponse> {
    if (version < 3) return { errorCode: ErrorCode.NONE };
    return {
      errorCode: ErrorCode.NONE,
      members: req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: ErrorCode.NONE })),
    };
  }

  #offsetCommit(req: OffsetCommitRequest): Input<OffsetCommitResponse> {
    return {
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE })),
      })),
    };
  }

  #offsetFetch({ version }: RequestContext, req: OffsetFetchRequest): Input<OffsetFetchResponse> {
    const none = (topics: { name: string; partitionIndexes: number[] }[] | null) => (topics ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => ({
        partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE,
      })),
    }));
    // v8 asks for several groups at once (KIP-709).
    if (version >= 8) {
      return { groups: req.groups.map((g) => ({ groupId: g.groupId, topics: none(g.topics), errorCode: ErrorCode.NONE })) };
    }
    return { topics: none(req.topics), errorCode: ErrorCode.NONE };
  }

  #initProducerId(): Input<InitProducerIdResponse> {
    return { errorCode: ErrorCode.NONE, producerId: this.#producerIds++, producerEpoch: 0 };
  }

  #createTopics({ version }: RequestContext, req: CreateTopicsRequest): Input<CreateTopicsResponse> {
    return {
      topics: req.topics.map((t) => ({
        name: t.name,
        topicId: this.#partition(t.name).topicId,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        // v5+ tells the created topic's settings back.
        ...(version >= 5 ? { numPartitions: 1, replicationFactor: 1, configs: [] } : {}),
      })),
    };
  }
}
