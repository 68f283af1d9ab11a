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
