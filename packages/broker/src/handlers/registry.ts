/**
 * The handlers the broker serves, by API key. The ApiVersions answer is built from this
 * registry (STYLE.md example 2), never typed by hand.
 */
import type { Handler } from './handler.ts';

export interface ApiVersionEntry {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export class HandlerRegistry {
  readonly #handlers = new Map<number, Handler>();

  register<Req, Res>(h: Handler<Req, Res>): this {
    if (this.#handlers.has(h.apiKey)) throw new Error(`two handlers for API key ${h.apiKey}`);
    this.#handlers.set(h.apiKey, h as unknown as Handler);
    return this;
  }

  get(apiKey: number): Handler | undefined {
    return this.#handlers.get(apiKey);
  }

  apiVersionsEntries(): ApiVersionEntry[] {
    return [...this.#handlers.values()]
      .sort((a, b) => a.apiKey - b.apiKey)
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.advertisedMinVersion ?? h.minVersion, maxVersion: h.maxVersion }));
  }
}
