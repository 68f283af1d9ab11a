/**
 * Turns whatever a tool caught into one line for a person. @platformatic/kafka nests its
 * errors (MultipleErrors of retries, ResponseError of per-partition ProtocolErrors, Node's
 * socket errors as causes); the leaves carry the useful part: Kafka's error name
 * (`UNKNOWN_TOPIC_OR_PARTITION`) with the broker's message, or the socket error code.
 */
import { CliError } from './cli-error.ts';

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  apiId?: unknown;
  serverErrorMessage?: unknown;
  errors?: unknown;
  cause?: unknown;
}

export function describeError(err: unknown): string {
  if (err instanceof CliError) return err.message;
  const leaves: string[] = [];
  collect(err, leaves, 0);
  const unique = [...new Set(leaves)];
  if (unique.length === 0) return String(err);
  return unique.join('; ');
}

function collect(err: unknown, out: string[], depth: number): void {
  if (depth > 8) return;
  if (typeof err !== 'object' || err === null) {
    out.push(String(err));
    return;
  }
  const e = err as ErrorLike;
  if (typeof e.apiId === 'string') {
    const detail = typeof e.serverErrorMessage === 'string' && e.serverErrorMessage !== '' ? e.serverErrorMessage : e.message;
    out.push(`${e.apiId}: ${String(detail)}`);
    return;
  }
  if (Array.isArray(e.errors) && e.errors.length > 0) {
    for (const inner of e.errors) collect(inner, out, depth + 1);
    return;
  }
  if (e.cause !== undefined && e.cause !== null) {
    collect(e.cause, out, depth + 1);
    return;
  }
  out.push(typeof e.message === 'string' && e.message !== '' ? e.message : String(err));
}
