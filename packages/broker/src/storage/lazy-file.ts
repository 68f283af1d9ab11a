import type { LruPool, PoolEntry } from './lru-pool.ts';
import type { OpenMode, StorageFileHandle, StorageFs } from './storage-fs.ts';

/**
 * A file that is opened on first use and closed when the descriptor pool needs room.
 * Renames (retention's `.deleted`, the cleaner's swap) only change the path used for the
 * next open: a descriptor already open keeps reading the same inode, which is what lets a
 * fetch finish on a segment that retention just removed.
 */
export class LazyFile implements PoolEntry {
  readonly weight = 1;
  #fs: StorageFs;
  #pool: LruPool;
  #path: string;
  #mode: OpenMode;
  #handle: StorageFileHandle | null = null;
  #opening: Promise<StorageFileHandle> | null = null;
  #users = 0;
  #closing: Promise<void> = Promise.resolve();

  constructor(fs: StorageFs, pool: LruPool, path: string, mode: 'read' | 'write') {
    this.#fs = fs;
    this.#pool = pool;
    this.#path = path;
    this.#mode = mode;
  }

  get path(): string {
    return this.#path;
  }

  /** The file was renamed on disk; later opens use the new name. */
  renamed(path: string): void {
    this.#path = path;
  }

  get isOpen(): boolean {
    return this.#handle !== null;
  }

  busy(): boolean {
    return this.#users > 0 || this.#opening !== null;
  }

  release(): void {
    const h = this.#handle;
    this.#handle = null;
    if (h !== null) this.#closing = h.close().catch(() => undefined);
  }

  async use<T>(fn: (handle: StorageFileHandle) => Promise<T>): Promise<T> {
    this.#users++;
    try {
      let h = this.#handle;
      if (h === null) {
        if (this.#opening === null) {
          this.#opening = this.#closing.then(() => this.#fs.open(this.#path, this.#mode));
          try {
            this.#handle = await this.#opening;
          } finally {
            this.#opening = null;
          }
        } else {
          await this.#opening;
        }
        h = this.#handle;
        if (h === null) return await this.use(fn);
      }
      this.#pool.touch(this);
      return await fn(h);
    } finally {
      this.#users--;
      if (this.#users === 0) this.#pool.trim();
    }
  }

  async close(): Promise<void> {
    this.#pool.remove(this);
    this.release();
    await this.#closing;
  }
}
