export { Reader } from './reader.ts';
export { Writer } from './writer.ts';
export { ZERO_UUID, randomUuid, uuidFromBytes, uuidToBytes } from './uuid.ts';
export type { Uuid } from './uuid.ts';
