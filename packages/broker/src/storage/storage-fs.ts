import * as fsp from 'node:fs/promises';
import { dirname } from 'node:path';
import { TMP_FILE_SUFFIX } from './log-file-utils.ts';

/**
 * The file-system calls storage makes, and nothing more, so tests can swap in
 * FaultInjectingFs (torn writes, dropped page cache, ENOSPC) and the broker uses NodeFs.
 * Positions are explicit on every read and write: no call depends on a file cursor.
 */
export interface StorageFileHandle {
  /** Reads up to `length` bytes at `position` into `buffer[offset..]`; returns bytes read. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Writes all of `buffers` at `position` (looping over short writes) or throws. */
  writev(buffers: readonly Buffer[], position: number): Promise<void>;
  /** fdatasync: file data reaches stable storage. */
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface StorageStat {
  size: number;
  mtimeMs: number;
  isDirectory: boolean;
}

/** How a file is opened: `read`, `write` (existing file, read and write), `create` (new, fails if it exists). */
export type OpenMode = 'read' | 'write' | 'create';

export interface StorageFs {
  open(path: string, mode: OpenMode): Promise<StorageFileHandle>;
  readFile(path: string): Promise<Buffer>;
  /** null when the path does not exist. */
  stat(path: string): Promise<StorageStat | null>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  unlink(path: string): Promise<void>;
  /** Removes a directory and everything in it. */
  rmdir(path: string): Promise<void>;
  /** fsync on a directory, so that creates, renames and unlinks in it are durable. */
  syncDir(path: string): Promise<void>;
}

const OPEN_FLAGS: Record<OpenMode, string> = { read: 'r', write: 'r+', create: 'wx+' };

class NodeFileHandle implements StorageFileHandle {
  #fh: fsp.FileHandle;

  constructor(fh: fsp.FileHandle) {
    this.#fh = fh;
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    let total = 0;
    while (total < length) {
      const { bytesRead } = await this.#fh.read(buffer, offset + total, length - total, position + total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return total;
  }

  async writev(buffers: readonly Buffer[], position: number): Promise<void> {
    const pending = buffers.slice();
    let pos = position;
    while (pending.length > 0) {
      // pwritev may write less than asked (signals, large vectors); continue where it stopped.
      const { bytesWritten } = await this.#fh.writev(pending, pos);
      pos += bytesWritten;
      let skip = bytesWritten;
      while (pending.length > 0 && skip >= pending[0]!.length) {
        skip -= pending[0]!.length;
        pending.shift();
      }
      if (skip > 0) pending[0] = pending[0]!.subarray(skip);
    }
  }

  datasync(): Promise<void> {
    return this.#fh.datasync();
  }

  truncate(length: number): Promise<void> {
    return this.#fh.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.#fh.stat()).size;
  }

  close(): Promise<void> {
    return this.#fh.close();
  }
}

/** The real file system, on node:fs/promises. */
export class NodeFs implements StorageFs {
  async open(path: string, mode: OpenMode): Promise<StorageFileHandle> {
    return new NodeFileHandle(await fsp.open(path, OPEN_FLAGS[mode]));
  }

  readFile(path: string): Promise<Buffer> {
    return fsp.readFile(path);
  }

  async stat(path: string): Promise<StorageStat | null> {
    try {
      const s = await fsp.stat(path);
      return { size: s.size, mtimeMs: s.mtimeMs, isDirectory: s.isDirectory() };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  readdir(path: string): Promise<string[]> {
    return fsp.readdir(path);
  }

  async mkdir(path: string): Promise<void> {
    await fsp.mkdir(path, { recursive: true });
  }

  rename(from: string, to: string): Promise<void> {
    return fsp.rename(from, to);
  }

  async unlink(path: string): Promise<void> {
    try {
      await fsp.unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  rmdir(path: string): Promise<void> {
    return fsp.rm(path, { recursive: true, force: true });
  }

  async syncDir(path: string): Promise<void> {
    const fh = await fsp.open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

/**
 * Replaces the file at `path` with `bytes` so that a crash at any moment leaves the old
 * content or the new, never a mix: writes `<path>.tmp`, fsyncs it, renames it over `path`
 * and fsyncs the directory. A `.tmp` left by an earlier crash is overwritten.
 */
export async function replaceFileAtomically(fs: StorageFs, path: string, bytes: Buffer): Promise<void> {
  const tmp = path + TMP_FILE_SUFFIX;
  await fs.unlink(tmp);
  const h = await fs.open(tmp, 'create');
  try {
    await h.writev([bytes], 0);
    await h.datasync();
  } finally {
    await h.close();
  }
  await fs.rename(tmp, path);
  await fs.syncDir(dirname(path));
}
