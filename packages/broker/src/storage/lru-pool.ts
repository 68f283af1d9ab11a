/**
 * A least-recently-used budget shared by every log of a LogManager: open file descriptors
 * in one pool, bytes of loaded (inactive) indexes in another. With 10,000 partitions the
 * broker cannot keep three descriptors and two indexes per segment resident, so each
 * resource joins the pool when it is opened or loaded, is touched on use, and is released
 * (closed / dropped) from the cold end once the pool is over capacity. Busy entries (a read
 * or write in flight) are skipped and released later.
 */
export interface PoolEntry {
  /** Weight counted against capacity: 1 per descriptor, or bytes of index. */
  readonly weight: number;
  /** True while an operation uses the resource; it is not released then. */
  busy(): boolean;
  /** Releases the resource; the entry has already left the pool when this is called. */
  release(): void;
}

export class LruPool {
  readonly capacity: number;
  #entries = new Map<PoolEntry, number>();
  #total = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  get total(): number {
    return this.#total;
  }

  /** Adds or refreshes an entry (moves it to the hot end), then trims the cold end. */
  touch(entry: PoolEntry): void {
    const old = this.#entries.get(entry);
    if (old !== undefined) {
      this.#entries.delete(entry);
      this.#total -= old;
    }
    this.#entries.set(entry, entry.weight);
    this.#total += entry.weight;
    this.trim();
  }

  remove(entry: PoolEntry): void {
    const w = this.#entries.get(entry);
    if (w === undefined) return;
    this.#entries.delete(entry);
    this.#total -= w;
  }

  trim(): void {
    if (this.#total <= this.capacity) return;
    for (const [entry, w] of this.#entries) {
      if (this.#total <= this.capacity) break;
      if (entry.busy()) continue;
      this.#entries.delete(entry);
      this.#total -= w;
      entry.release();
    }
  }
}
