/**
 * Kafka's Uuid as text: the 16 bytes in URL-safe base64 without padding (22 characters),
 * which is how Kafka's tools print topic ids. The all-zero id is Kafka's `Uuid.ZERO_UUID`.
 */
export type Uuid = string;

export const ZERO_UUID: Uuid = 'AAAAAAAAAAAAAAAAAAAAAA';

export function uuidFromBytes(buffer: Buffer, offset: number): Uuid {
  return buffer.toString('base64url', offset, offset + 16);
}

/** Writes a Uuid's 16 bytes; throws when the text is not 16 bytes of base64url. */
export function uuidToBytes(uuid: Uuid, target: Buffer, offset: number): void {
  const n = target.write(uuid, offset, 16, 'base64url');
  if (n !== 16 || uuid.length !== 22) throw new RangeError(`not a Kafka Uuid: ${JSON.stringify(uuid)}`);
}

export function randomUuid(): Uuid {
  const bytes = Buffer.alloc(16);
  globalThis.crypto.getRandomValues(bytes);
  return bytes.toString('base64url');
}
