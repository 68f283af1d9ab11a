/**
 * Request frames captured from real clients (kafkajs, kcat/librdkafka, kafka-python) by
 * tools/capture: each must decode, be consumed to its last byte, encode back to the very
 * same bytes, and show what the capture script told its client to do (fixtures/frames/
 * index.json, written from the script's inputs, not from our decoders).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  ApiKey, CompressionType, ConsumerProtocolAssignment, ConsumerProtocolSubscription, RecordBatch, Reader, RequestHeader,
  Writer, apiSpec, readRequestHeader, requestHeaderVersion,
} from '../src/index.ts';
import type {
  ApiVersionsRequest, CreateTopicsRequest, Input, FetchRequest, FindCoordinatorRequest, HeartbeatRequest, InitProducerIdRequest, JoinGroupRequest,
  LeaveGroupRequest, ListOffsetsRequest, MetadataRequest, OffsetCommitRequest, OffsetFetchRequest, ProduceRequest,
  SyncGroupRequest,
} from '../src/index.ts';

type Codec = keyof typeof CompressionType;

interface ExpectedRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
}

interface Fixture {
  file: string;
  client: string;
  step: string;
  apiKey: number;
  apiName: string;
  apiVersion: number;
  expect: {
    clientId: string;
    topic?: string;
    groupId?: string;
    compression?: Codec;
    idempotent?: boolean;
    records?: ExpectedRecord[];
    clientSoftwareName?: string;
    clientSoftwareVersion?: string;
  };
}

const dir = new URL('fixtures/frames/', import.meta.url);
const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as { fixtures: Fixture[] };
const CLIENTS = ['kafkajs', 'kcat', 'kafka-python'];

function decodeWhole(frame: Buffer): { header: RequestHeader; body: Input<unknown> } {
  const { header, body: reader } = readRequestHeader(frame);
  const spec = apiSpec(header.requestApiKey);
  assert.ok(spec, `API ${header.requestApiKey} is known`);
  const body = spec.request.read(reader, header.requestApiVersion) as Input<unknown>;
  assert.equal(reader.remaining, 0, 'the request is decoded to its last byte');
  return { header, body };
}

function encode(header: RequestHeader, body: Input<unknown>): Buffer {
  const { requestApiKey: apiKey, requestApiVersion: version } = header;
  const w = new Writer();
  RequestHeader.write(w, requestHeaderVersion(apiKey, version), header);
  apiSpec(apiKey)!.request.write(w, version, body);
  return w.toBuffer();
}

/** An embedded consumer-protocol struct: int16 version, then the body in that version. */
function readVersioned<T>(codec: { read(r: Reader, v: number): T }, bytes: Buffer): T {
  return codec.read(new Reader(bytes, 2), bytes.readInt16BE(0));
}

/** Every batch in a Produce partition's records, checked for magic 2, CRC and codec. */
function batchesOf(records: Buffer): RecordBatch[] {
  const batches: RecordBatch[] = [];
  for (let pos = 0; pos < records.length;) {
    const batch = new RecordBatch(records, pos);
    batch.ensureValid();
    batches.push(batch);
    pos += batch.sizeInBytes;
  }
  return batches;
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));

/** Checks what each API's request must show of the step's facts. */
function checkFacts(fixture: Fixture, header: RequestHeader, body: unknown): void {
  const { expect: facts, apiVersion: v } = fixture;
  assert.equal(header.clientId, facts.clientId, 'client id');
  const { topic, groupId } = facts;
  switch (fixture.apiKey) {
    case ApiKey.ApiVersions: {
      const req = body as ApiVersionsRequest;
      if (facts.clientSoftwareName !== undefined) assert.equal(req.clientSoftwareName, facts.clientSoftwareName);
      if (facts.clientSoftwareVersion !== undefined) assert.equal(req.clientSoftwareVersion, facts.clientSoftwareVersion);
      break;
    }
    case ApiKey.Metadata: {
      // A client asks for its topic, for every topic (null; an empty list in v0) or for
      // brokers only (an empty list in v1+): any named topic must be the step's.
      const req = body as MetadataRequest;
      for (const t of req.topics ?? []) assert.equal(t.name, topic);
      break;
    }
    case ApiKey.Produce: {
      const req = body as ProduceRequest;
      assert.deepEqual(req.topicData.map((t) => t.name), [topic]);
      const partitions = req.topicData.flatMap((t) => t.partitionData);
      const batches = partitions.flatMap((p) => {
        assert.ok(p.records !== null, 'records are present');
        return batchesOf(p.records);
      });
      assert.ok(batches.length > 0, 'at least one batch');
      const codec = CompressionType[facts.compression ?? 'none'];
      for (const batch of batches) {
        assert.equal(batch.attributes & 0x07, codec, 'compression bits');
        assert.equal(batch.isTransactional, false);
        if (facts.idempotent === true) {
          assert.ok(batch.producerId >= 0n && batch.producerEpoch >= 0 && batch.baseSequence >= 0, 'producer id, epoch and sequence');
        } else {
          // Only the producer id says "none": kafkajs 2.2.4 writes base sequence 0 anyway.
          assert.equal(batch.producerId, -1n, 'no producer id');
        }
      }
      const records = batches.flatMap((b) => b.toArray()).map((r) => ({
        key: text(r.key),
        value: text(r.value),
        headers: Object.fromEntries(r.headers.map((h) => [h.key, text(h.value)])),
      }));
      assert.deepEqual(records, facts.records, 'keys, values and headers of the produced records');
      break;
    }
    case ApiKey.Fetch: {
      const req = body as FetchRequest;
      assert.ok(req.topics.some((t) => t.topic === topic), `fetches ${topic}`);
      break;
    }
    case ApiKey.ListOffsets:
      assert.ok((body as ListOffsetsRequest).topics.some((t) => t.name === topic), `lists offsets of ${topic}`);
      break;
    case ApiKey.CreateTopics:
      assert.deepEqual((body as CreateTopicsRequest).topics.map((t) => t.name), [topic]);
      break;
    case ApiKey.FindCoordinator: {
      const req = body as FindCoordinatorRequest;
      // v4 batches keys (KIP-699); a group coordinator has key type 0.
      assert.deepEqual(v >= 4 ? req.coordinatorKeys : [req.key], [groupId]);
      assert.equal(req.keyType, 0);
      break;
    }
    case ApiKey.JoinGroup: {
      const req = body as JoinGroupRequest;
      assert.equal(req.groupId, groupId);
      assert.equal(req.protocolType, 'consumer');
      assert.ok(req.protocols.length > 0, 'offers at least one assignor');
      for (const p of req.protocols) {
        assert.deepEqual(readVersioned(ConsumerProtocolSubscription, p.metadata).topics, [topic], `${p.name} subscription`);
      }
      break;
    }
    case ApiKey.SyncGroup: {
      const req = body as SyncGroupRequest;
      assert.equal(req.groupId, groupId);
      // The single member leads, so it sends the assignment: its topic's only partition.
      for (const a of req.assignments) {
        assert.deepEqual(readVersioned(ConsumerProtocolAssignment, a.assignment).assignedPartitions,
          [{ topic, partitions: [0] }]);
      }
      break;
    }
    case ApiKey.InitProducerId:
      // Idempotence without transactions.
      assert.equal((body as InitProducerIdRequest).transactionalId, null);
      break;
    case ApiKey.Heartbeat:
      assert.equal((body as HeartbeatRequest).groupId, groupId);
      break;
    case ApiKey.LeaveGroup:
      assert.equal((body as LeaveGroupRequest).groupId, groupId);
      break;
    case ApiKey.OffsetCommit: {
      const req = body as OffsetCommitRequest;
      assert.equal(req.groupId, groupId);
      assert.deepEqual(req.topics.map((t) => t.name), [topic]);
      break;
    }
    case ApiKey.OffsetFetch: {
      const req = body as OffsetFetchRequest;
      // v8 asks for several groups at once (KIP-709).
      const groups = v >= 8 ? req.groups : [{ groupId: req.groupId, topics: req.topics }];
      assert.deepEqual(groups.map((g) => g.groupId), [groupId]);
      for (const g of groups) for (const t of g.topics ?? []) assert.equal(t.name, topic);
      break;
    }
  }
}

describe('request frames captured from real clients', () => {
  for (const fixture of index.fixtures) {
    test(fixture.file, () => {
      const frame = readFileSync(new URL(fixture.file, dir));
      const { header, body } = decodeWhole(frame);
      assert.equal(header.requestApiKey, fixture.apiKey);
      assert.equal(header.requestApiVersion, fixture.apiVersion);
      assert.ok(encode(header, body).equals(frame), 're-encoding yields the captured bytes');
      checkFacts(fixture, header, body);
    });
  }

  test('cover the APIs issue 2 names, from every client', () => {
    const required = [ApiKey.ApiVersions, ApiKey.Metadata, ApiKey.Produce, ApiKey.Fetch, ApiKey.FindCoordinator, ApiKey.JoinGroup];
    for (const client of CLIENTS) {
      const have = new Set(index.fixtures.filter((f) => f.client === client).map((f) => f.apiKey));
      for (const key of required) assert.ok(have.has(key), `${client} ${apiSpec(key)!.name}`);
    }
  });

  test('hold a librdkafka Produce for every codec', () => {
    const codecs = new Set(index.fixtures.filter((f) => f.client === 'kcat' && f.apiKey === ApiKey.Produce)
      .map((f) => f.expect.compression));
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) assert.ok(codecs.has(codec), codec);
  });
});
