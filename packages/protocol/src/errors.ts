/**
 * Samsa's own error registry (STYLE.md example 7). Kafka's protocol error codes come from
 * the generated table in `generated/error-codes.ts`; these are the errors of Samsa's code
 * itself, each with a stable `SAMSA_ERR_*` code and a one-line description. `instanceof`
 * works across duplicate copies of this module because it checks a registered symbol
 * rather than the class identity.
 */

export const SamsaErrorCodes = {
  SAMSA_ERR_PROTOCOL_TRUNCATED: 'a field runs past the end of the bytes it was read from',
  SAMSA_ERR_PROTOCOL_INVALID_LENGTH: 'a length or count prefix is negative where that is not allowed, or larger than the bytes left',
  SAMSA_ERR_PROTOCOL_INVALID_VARINT: 'a varint is longer than its type allows',
  SAMSA_ERR_PROTOCOL_INVALID_VALUE: 'a field holds a value its type does not allow (bad UTF-8, out-of-range number, tag order)',
  SAMSA_ERR_PROTOCOL_UNSUPPORTED_VERSION: 'an API version outside the range the schema defines',
  SAMSA_ERR_PROTOCOL_UNKNOWN_API: 'an API key that no schema defines',
  SAMSA_ERR_PROTOCOL_FRAME_TOO_LARGE: 'a size-prefixed frame is larger than the configured cap',
  SAMSA_ERR_PROTOCOL_NOT_REPRESENTABLE: 'a value cannot be written in the requested version (a non-ignorable field set where the version lacks it)',
  SAMSA_ERR_RECORDS_CORRUPT: 'a record batch fails its length, magic or CRC check',
  SAMSA_ERR_RECORDS_UNSUPPORTED_COMPRESSION: 'a batch uses a compression codec Samsa does not know',
  SAMSA_ERR_COMPRESSION_OUTPUT_TOO_LARGE: 'decompressing would produce more bytes than the configured maximum (a compression bomb, or a limit set too low)',
  SAMSA_ERR_CONFIG_INVALID: 'a config key is unknown, or its value is invalid alone or together with others',
  SAMSA_ERR_COMPRESSION_CORRUPT: 'compressed bytes do not decode: bad framing, header checksum, block length or codec stream',
  SAMSA_ERR_STORAGE_IO: 'a log file operation failed (ENOSPC, EIO, ...), or the log is offline after one, or closed; nothing acknowledged was lost',
  SAMSA_ERR_STORAGE_OFFSET_OUT_OF_RANGE: 'an offset outside what the log holds (below its start, past its end), or a delete above the high watermark',
  SAMSA_ERR_STORAGE_CORRUPT: 'stored log bytes fail their length or CRC check when read or recovered; they are reported, never served',
  SAMSA_ERR_STORAGE_INVALID_BATCH: 'an append refused before it is written: a corrupt or oversized batch, not magic 2, a misplaced control batch',
  SAMSA_ERR_STORAGE_PRODUCER_STATE: 'a batch the producer state refuses: sequence gap, fenced epoch or coordinator, unknown producer id, wrong transaction state',
} as const;

export type SamsaErrorCode = keyof typeof SamsaErrorCodes;

const brand = Symbol.for('samsa.error');

export class SamsaError extends Error {
  readonly code: SamsaErrorCode;

  constructor(code: SamsaErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = 'SamsaError';
    Object.defineProperty(this, brand, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null || !(brand in value)) return false;
    // Subclasses check their own name so `x instanceof ProtocolError` stays precise.
    if (this === SamsaError) return true;
    return Function.prototype[Symbol.hasInstance].call(this, value) ||
      (value as { name?: unknown }).name === this.name;
  }
}

/** Malformed wire input. Decoders throw this and only this for bad bytes. */
export class ProtocolError extends SamsaError {
  constructor(code: SamsaErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'ProtocolError';
  }
}

/** A record batch that fails validation. */
export class CorruptRecordError extends SamsaError {
  constructor(message: string, options?: ErrorOptions) {
    super('SAMSA_ERR_RECORDS_CORRUPT', message, options);
    this.name = 'CorruptRecordError';
  }
}
