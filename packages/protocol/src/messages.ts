/**
 * Requests and responses as whole frames: header versions, header + body encode/decode.
 * The header version follows from the API's flexible versions (KIP-482), with Kafka's two
 * exceptions: ControlledShutdown v0 uses request header v0, and ApiVersions responses
 * always use response header v0 so any client can read the error (KIP-511).
 */
import { ProtocolError } from './errors.ts';
import { apis, type ApiSpec } from './generated/api-keys.ts';
import { RequestHeader, ResponseHeader } from './generated/codecs.ts';
import type { Input } from './primitives/message-support.ts';
import { Reader } from './primitives/reader.ts';
import { Writer } from './primitives/writer.ts';

const API_VERSIONS = 18;
const CONTROLLED_SHUTDOWN = 7;

export function apiSpec(apiKey: number): ApiSpec | undefined {
  return apis.get(apiKey);
}

function isFlexible(spec: ApiSpec, version: number): boolean {
  return spec.flexibleMinVersion !== null && version >= spec.flexibleMinVersion;
}

export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === CONTROLLED_SHUTDOWN && apiVersion === 0) return 0;
  const spec = apis.get(apiKey);
  return spec !== undefined && isFlexible(spec, apiVersion) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === API_VERSIONS) return 0;
  const spec = apis.get(apiKey);
  return spec !== undefined && isFlexible(spec, apiVersion) ? 1 : 0;
}

/** The first four fields every request header version starts with. */
export interface RequestPreamble {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

/**
 * Reads apiKey, apiVersion and correlationId, which every header version starts with, so
 * a broker can answer (or log) a request whose API or version it does not know.
 */
export function readRequestPreamble(frame: Buffer): RequestPreamble {
  if (frame.length < 8) {
    throw new ProtocolError('SAMSA_ERR_PROTOCOL_TRUNCATED', `request of ${frame.length} bytes has no complete header`);
  }
  return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId: frame.readInt32BE(4) };
}

export interface DecodedRequest {
  header: RequestHeader;
  /** The body's reader, positioned after the header. */
  body: Reader;
}

/** Decodes a request frame's header. Throws ProtocolError for an unknown API key. */
export function readRequestHeader(frame: Buffer): DecodedRequest {
  const { apiKey, apiVersion } = readRequestPreamble(frame);
  if (!apis.has(apiKey)) throw new ProtocolError('SAMSA_ERR_PROTOCOL_UNKNOWN_API', `unknown API key ${apiKey}`);
  const r = new Reader(frame);
  const header = RequestHeader.read(r, requestHeaderVersion(apiKey, apiVersion));
  return { header, body: r };
}

/** A full request: header and body, decoded. Throws ProtocolError on any malformed input. */
export function decodeRequest(frame: Buffer): { header: RequestHeader; body: unknown } {
  const { header, body } = readRequestHeader(frame);
  const spec = apis.get(header.requestApiKey)!;
  return { header, body: spec.request.read(body, header.requestApiVersion) };
}

/** Encodes a request (header + body) without the size prefix. */
export function encodeRequest(apiKey: number, apiVersion: number, correlationId: number, clientId: string | null, body: Input<unknown>): Buffer[] {
  const spec = apis.get(apiKey);
  if (!spec) throw new ProtocolError('SAMSA_ERR_PROTOCOL_UNKNOWN_API', `unknown API key ${apiKey}`);
  const w = new Writer();
  RequestHeader.write(w, requestHeaderVersion(apiKey, apiVersion), { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId });
  spec.request.write(w, apiVersion, body);
  return w.chunks();
}

/** Encodes a response (header + body) without the size prefix. */
export function encodeResponse(apiKey: number, apiVersion: number, correlationId: number, body: Input<unknown>): Buffer[] {
  const spec = apis.get(apiKey);
  if (!spec) throw new ProtocolError('SAMSA_ERR_PROTOCOL_UNKNOWN_API', `unknown API key ${apiKey}`);
  const w = new Writer();
  ResponseHeader.write(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
  spec.response.write(w, apiVersion, body);
  return w.chunks();
}

/** Decodes a response frame for the request it answers. */
export function decodeResponse(frame: Buffer, apiKey: number, apiVersion: number): { correlationId: number; body: unknown } {
  const spec = apis.get(apiKey);
  if (!spec) throw new ProtocolError('SAMSA_ERR_PROTOCOL_UNKNOWN_API', `unknown API key ${apiKey}`);
  const r = new Reader(frame);
  const header = ResponseHeader.read(r, responseHeaderVersion(apiKey, apiVersion));
  return { correlationId: header.correlationId, body: spec.response.read(r, apiVersion) };
}
