/**
 * What a handler file declares (STYLE.md example 2): the API it serves, the versions, and
 * a function from a decoded request to a response. Handlers are thin (example 3): they
 * decode, call a domain method with plain arguments, and encode.
 */
import type { Input, MessageCodec } from '@samsa/protocol';
import type { RequestContext } from '../server/request-context.ts';

export interface Handler<Req = unknown, Res = unknown> {
  readonly apiKey: number;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
  /** The versions this handler implements. */
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * The lowest version advertised in ApiVersions when it must be below minVersion:
   * librdkafka before 2.11.1 reads advertised ranges as probes for single old versions
   * (CLIENTS.md §5), so Produce is advertised from v0 although v0-2 are refused, as Kafka
   * 4 does (KAFKA-18659).
   */
  readonly advertisedMinVersion?: number;
  /** The response, or null when none is sent (Produce with acks=0). */
  handle(request: Req, ctx: RequestContext): Promise<Input<Res> | null> | Input<Res> | null;
}

export function defineHandler<Req, Res>(h: Handler<Req, Res>): Handler<Req, Res> {
  if (h.minVersion < h.request.minVersion || h.maxVersion > h.request.maxVersion) {
    throw new Error(`${h.request.name}: handler versions ${h.minVersion}-${h.maxVersion} outside the schema's ${h.request.minVersion}-${h.request.maxVersion}`);
  }
  return h;
}
