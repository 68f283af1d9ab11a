import type { RequestHeader } from '@samsa/protocol';

/** What a handler knows about the request beyond its body. */
export interface RequestContext {
  readonly header: RequestHeader;
  readonly apiVersion: number;
  readonly clientId: string;
  /** "host:port" of the client. */
  readonly clientAddress: string;
  /** The listener the request arrived on, e.g. PLAINTEXT. */
  readonly listenerName: string;
  /** Set by ApiVersions v3+ (KIP-511). */
  readonly clientSoftware: { name: string; version: string } | null;
  /** Aborted when the connection closes, so parked requests (long-poll Fetch) can give up. */
  readonly signal: AbortSignal;
}
