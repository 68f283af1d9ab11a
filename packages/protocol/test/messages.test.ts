import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiVersionsResponse, ProduceRequest } from '../src/index.ts';
import {
  ApiKey, FetchRequest, Reader, apis, decodeRequest, decodeResponse, encodeRequest,
  encodeResponse, readRequestHeader, requestHeaderVersion, responseHeaderVersion,
} from '../src/index.ts';

describe('request and response framing', () => {
  it('chooses header versions from the flexible versions, with Kafka\'s exceptions', () => {
    assert.equal(requestHeaderVersion(ApiKey.Produce, 8), 1);
    assert.equal(requestHeaderVersion(ApiKey.Produce, 9), 2);
    assert.equal(responseHeaderVersion(ApiKey.Fetch, 11), 0);
    assert.equal(responseHeaderVersion(ApiKey.Fetch, 12), 1);
    assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 0), 0);
    // KIP-511: ApiVersions responses always use header v0 so an old client reads the error.
    assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 3), 2);
    assert.equal(responseHeaderVersion(ApiKey.ApiVersions, 3), 0);
  });

  it('round-trips a request through header and body for every API at its lowest and highest version', () => {
    for (const spec of apis.values()) {
      for (const v of [spec.minVersion, spec.maxVersion]) {
        const bytes = Buffer.concat(encodeRequest(spec.apiKey, v, 42, 'client-x', {}));
        const { header, body } = decodeRequest(bytes);
        assert.equal(header.requestApiKey, spec.apiKey);
        assert.equal(header.requestApiVersion, v);
        assert.equal(header.correlationId, 42);
        assert.deepEqual(body, spec.request.defaults());
      }
    }
  });

  it('keeps the client id in the old string form even in flexible headers', () => {
    const bytes = Buffer.concat(encodeRequest(ApiKey.ApiVersions, 3, 7, 'rdkafka', { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' }));
    // header v2: apiKey, apiVersion, correlationId, int16 clientId length, then the bytes.
    assert.equal(bytes.readInt16BE(8), 'rdkafka'.length);
    assert.equal(bytes.toString('utf8', 10, 17), 'rdkafka');
    const { header } = readRequestHeader(bytes);
    assert.equal(header.clientId, 'rdkafka');
  });

  it('round-trips a response', () => {
    const body = { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 9 }], throttleTimeMs: 0 };
    const bytes = Buffer.concat(encodeResponse(ApiKey.ApiVersions, 3, 99, body));
    const { correlationId, body: decoded } = decodeResponse(bytes, ApiKey.ApiVersions, 3);
    assert.equal(correlationId, 99);
    assert.deepEqual((decoded as ApiVersionsResponse).apiKeys, body.apiKeys);
    // With a v0 header, the error code sits right after the correlation id.
    assert.equal(bytes.readInt16BE(4), 0);
  });

  it('carries record batches by reference in a produce request', () => {
    const records = Buffer.alloc(1 << 20, 5);
    const chunks = encodeRequest(ApiKey.Produce, 9, 1, null, {
      acks: -1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
    });
    assert.ok(chunks.includes(records), 'the batch buffer itself is one of the chunks');
    const { body } = decodeRequest(Buffer.concat(chunks));
    assert.ok((body as ProduceRequest).topicData[0]!.partitionData[0]!.records!.equals(records));
  });

  it('rejects an unknown API key with a typed error', () => {
    const bytes = Buffer.alloc(12);
    bytes.writeInt16BE(999, 0);
    assert.throws(() => readRequestHeader(bytes), { code: 'SAMSA_ERR_PROTOCOL_UNKNOWN_API' });
    assert.throws(() => readRequestHeader(Buffer.alloc(3)), { code: 'SAMSA_ERR_PROTOCOL_TRUNCATED' });
  });

  it('decodes a body with the generated reader directly', () => {
    const chunks = encodeRequest(ApiKey.Fetch, 4, 1, 'c', { maxWaitMs: 500, minBytes: 1, isolationLevel: 1 });
    const { header, body } = readRequestHeader(Buffer.concat(chunks));
    const req = FetchRequest.read(body, header.requestApiVersion);
    assert.equal(req.maxWaitMs, 500);
    assert.equal(req.isolationLevel, 1);
    assert.equal(body instanceof Reader, true);
  });
});
