/**
 * Groups messages into sends: a send starts when `maxMessages` or `maxBytes` are queued,
 * or `lingerMs` after the first queued message (Kafka's batch.size and linger.ms, per
 * request). One send is in flight at a time, so records keep the order they were added
 * in; while it runs the next batch fills, and `add` waits only when that one is full too.
 * The first failed send is kept and rethrown by the next `add` or by `close`.
 */
export interface BatchSenderOptions {
  maxMessages: number;
  maxBytes: number;
  lingerMs: number;
}

export class BatchSender<M> {
  readonly #send: (batch: M[]) => Promise<void>;
  readonly #size: (m: M) => number;
  readonly #options: BatchSenderOptions;
  #pending: M[] = [];
  #pendingBytes = 0;
  #inFlight: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #failure: { error: unknown } | null = null;
  #sent = 0;

  constructor(send: (batch: M[]) => Promise<void>, size: (m: M) => number, options: BatchSenderOptions) {
    this.#send = send;
    this.#size = size;
    this.#options = options;
  }

  /** Messages whose send has completed. */
  get sent(): number {
    return this.#sent;
  }

  async add(message: M): Promise<void> {
    this.#throwIfFailed();
    this.#pending.push(message);
    this.#pendingBytes += this.#size(message);
    if (this.#pending.length >= this.#options.maxMessages || this.#pendingBytes >= this.#options.maxBytes) {
      await this.#dispatch();
    } else if (this.#timer === null) {
      this.#timer = setTimeout(() => { void this.#dispatch().catch(() => {}); }, this.#options.lingerMs);
    }
  }

  /** Sends what is queued and waits for every send; throws the first failure. */
  async close(): Promise<void> {
    await this.#dispatch();
    while (this.#inFlight !== null) await this.#inFlight;
    this.#throwIfFailed();
  }

  async #dispatch(): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    while (this.#inFlight !== null) await this.#inFlight;
    this.#throwIfFailed();
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#inFlight = this.#send(batch).then(
      () => { this.#sent += batch.length; },
      (error: unknown) => { this.#failure ??= { error }; },
    ).finally(() => { this.#inFlight = null; });
  }

  #throwIfFailed(): void {
    if (this.#failure !== null) throw this.#failure.error;
  }
}
