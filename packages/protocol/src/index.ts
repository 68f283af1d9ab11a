/**
 * @samsa/protocol: Kafka's wire protocol, sans I/O.
 *
 * What importing it loads: the primitives, record batches, compression and framing, and
 * from generated/ only the tables (api-keys.ts, error-codes.ts) and codecs.ts. Every
 * message codec exported here (`ProduceRequest`, `apis.get(0).request`, ...) is lazy: it
 * knows its schema facts (name, versions, flexible versions) at once, and its first read,
 * write or defaults() loads the message's generated module with a synchronous require()
 * (primitives/lazy-codec.ts; Node >= 22.12). The snappy, lz4 and CRC-32C native addons are
 * likewise loaded on first use. So a program pays for the APIs and codecs it uses, not for
 * all 162 messages (~20 MiB and ~100 ms when they were loaded at import).
 */
export * from './errors.ts';
export * from './primitives/index.ts';
export * from './records/index.ts';
export * from './compression/index.ts';
export * from './generated/index.ts';
export { FrameReader, frame } from './framing.ts';
export {
  apiSpec, decodeRequest, decodeResponse, encodeRequest, encodeResponse, readRequestHeader, readRequestPreamble,
  requestHeaderVersion, responseHeaderVersion,
} from './messages.ts';
export type { DecodedRequest, RequestPreamble } from './messages.ts';
