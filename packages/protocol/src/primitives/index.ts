export { Reader } from './reader.ts';
export { Writer } from './writer.ts';
export { ZERO_UUID, randomUuid, uuidFromBytes, uuidToBytes } from './uuid.ts';
export type { Uuid } from './uuid.ts';
export {
  EMPTY_BUFFER, NO_FIELDS, NO_ITEMS, bytesLength, readArray, readNullableArray, readTaggedFields, writeArray, writeTaggedFields,
} from './message-support.ts';
export type { BytesInput, Input, MessageCodec, TaggedField } from './message-support.ts';
