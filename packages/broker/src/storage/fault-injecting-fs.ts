import { posix } from 'node:path';
import type { OpenMode, StorageFileHandle, StorageFs, StorageStat } from './storage-fs.ts';

/**
 * An in-memory StorageFs for tests that need faults no real disk gives on demand:
 *
 * - `crash()` models a power cut: each file keeps what was fsynced, plus (when `torn`) a
 *   random prefix of the bytes written since, i.e. a write torn at any byte. Handles open
 *   before the crash stop working, as they would in a process that died.
 * - `capacityBytes` models a full disk: a write that does not fit writes what fits, then
 *   fails with ENOSPC (a short write followed by an error, as write(2) does).
 * - `injectFault()` fails the next matching write or fsync with any errno after N bytes.
 *
 * Model limits: names (create, rename, unlink) are durable at once, as if every directory
 * operation were followed by a directory fsync; overwrites inside the fsynced prefix count
 * as fsynced. Storage only appends, truncates and replaces whole files, so these shortcuts
 * do not hide the failures the tests look for.
 */

interface MemFile {
  data: Buffer;
  length: number;
  syncedLength: number;
  mtimeMs: number;
}

export interface InjectedFault {
  /** Only paths containing this string; any path when absent. */
  pathIncludes?: string;
  op: 'write' | 'sync';
  code: 'ENOSPC' | 'EIO';
  /** For writes: bytes that land before the error. */
  afterBytes?: number;
  /** How many matching calls fail; 1 by default. */
  times?: number;
}

export interface CrashOptions {
  /** What survives of data written after the last fsync: none, all, or a random prefix per file. */
  unflushed: 'drop' | 'keep' | 'torn';
  random?: () => number;
}

function fsError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${syscall} '${path}'`);
  err.code = code;
  err.syscall = syscall;
  err.path = path;
  return err;
}

export class FaultInjectingFs implements StorageFs {
  #files = new Map<string, MemFile>();
  #dirs = new Set<string>(['/']);
  /** Names in each directory, so readdir does not scan the whole tree. */
  #children = new Map<string, Set<string>>([['/', new Set()]]);
  #generation = 0;
  #faults: Array<InjectedFault & { left: number }> = [];
  #now: () => number;
  /** Total bytes all files may hold; null for no limit. */
  capacityBytes: number | null = null;
  openHandles = 0;
  maxOpenHandles = 0;
  syncCount = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  get usedBytes(): number {
    let used = 0;
    for (const f of this.#files.values()) used += f.length;
    return used;
  }

  injectFault(fault: InjectedFault): void {
    this.#faults.push({ ...fault, left: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.#faults = [];
  }

  crash(options: CrashOptions): void {
    const random = options.random ?? Math.random;
    this.#generation++;
    this.openHandles = 0;
    for (const f of this.#files.values()) {
      const unsynced = f.length - f.syncedLength;
      if (unsynced <= 0) continue;
      let keep = 0;
      if (options.unflushed === 'keep') keep = unsynced;
      else if (options.unflushed === 'torn') keep = Math.floor(random() * (unsynced + 1));
      f.length = f.syncedLength + keep;
      f.syncedLength = f.length;
    }
  }

  /** A file's bytes (a copy), for tests that corrupt or inspect files directly. */
  peek(path: string): Buffer | null {
    const f = this.#files.get(posix.resolve(path));
    return f === undefined ? null : Buffer.from(f.data.subarray(0, f.length));
  }

  /** Overwrites bytes in place, as bit rot or a stray writer would. */
  poke(path: string, position: number, bytes: Buffer): void {
    const f = this.#file(posix.resolve(path), 'poke');
    bytes.copy(f.data, position);
  }

  #takeFault(op: 'write' | 'sync', path: string): (InjectedFault & { left: number }) | null {
    const i = this.#faults.findIndex((f) => f.op === op && (f.pathIncludes === undefined || path.includes(f.pathIncludes)));
    if (i < 0) return null;
    const fault = this.#faults[i]!;
    if (--fault.left <= 0) this.#faults.splice(i, 1);
    return fault;
  }

  #link(path: string): void {
    const parent = posix.dirname(path);
    let set = this.#children.get(parent);
    if (set === undefined) this.#children.set(parent, (set = new Set()));
    if (path !== parent) set.add(posix.basename(path));
  }

  #unlinkName(path: string): void {
    this.#children.get(posix.dirname(path))?.delete(posix.basename(path));
  }

  #setFile(path: string, f: MemFile): void {
    this.#files.set(path, f);
    this.#link(path);
  }

  #deleteFile(path: string): void {
    if (this.#files.delete(path)) this.#unlinkName(path);
  }

  #addDir(path: string): void {
    this.#dirs.add(path);
    if (!this.#children.has(path)) this.#children.set(path, new Set());
    this.#link(path);
  }

  #deleteDir(path: string): void {
    this.#dirs.delete(path);
    this.#children.delete(path);
    this.#unlinkName(path);
  }

  #file(path: string, syscall: string): MemFile {
    const f = this.#files.get(path);
    if (f === undefined) throw fsError('ENOENT', syscall, path);
    return f;
  }

  #checkParent(path: string, syscall: string): void {
    if (!this.#dirs.has(posix.dirname(path))) throw fsError('ENOENT', syscall, path);
  }

  async open(rawPath: string, mode: OpenMode): Promise<StorageFileHandle> {
    const path = posix.resolve(rawPath);
    if (mode === 'create') {
      this.#checkParent(path, 'open');
      if (this.#files.has(path)) throw fsError('EEXIST', 'open', path);
      this.#setFile(path, { data: Buffer.alloc(0), length: 0, syncedLength: 0, mtimeMs: this.#now() });
    }
    const file = this.#file(path, 'open');
    this.openHandles++;
    this.maxOpenHandles = Math.max(this.maxOpenHandles, this.openHandles);
    return new MemFileHandle(this, path, file, this.#generation, mode === 'read');
  }

  /** @internal used by MemFileHandle: a handle outlives renames and unlinks of its file, not a crash. */
  checkHandle(path: string, generation: number, syscall: string): void {
    if (generation !== this.#generation) throw fsError('EBADF', syscall, path);
  }

  /** @internal */
  handleClosed(generation: number): void {
    if (generation === this.#generation) this.openHandles--;
  }

  /** @internal */
  write(path: string, f: MemFile, buffers: readonly Buffer[], position: number): void {
    const data = Buffer.concat(buffers as Buffer[]);
    let allowed = data.length;
    let error: NodeJS.ErrnoException | null = null;
    const fault = this.#takeFault('write', path);
    if (fault !== null) {
      allowed = Math.min(allowed, fault.afterBytes ?? 0);
      error = fsError(fault.code, 'write', path);
    }
    if (this.capacityBytes !== null) {
      const growth = Math.max(0, position + allowed - f.length);
      const free = Math.max(0, this.capacityBytes - this.usedBytes);
      if (growth > free) {
        allowed = Math.max(0, f.length - position) + free;
        error = fsError('ENOSPC', 'write', path);
      }
    }
    const end = position + allowed;
    if (end > f.data.length) {
      const grown = Buffer.alloc(Math.max(end, f.data.length * 2));
      f.data.copy(grown, 0, 0, f.length);
      f.data = grown;
    }
    if (position > f.length) f.data.fill(0, f.length, position);
    data.copy(f.data, position, 0, allowed);
    f.length = Math.max(f.length, end);
    f.mtimeMs = this.#now();
    if (error !== null) throw error;
  }

  /** @internal */
  sync(path: string, f: MemFile): void {
    const fault = this.#takeFault('sync', path);
    if (fault !== null) throw fsError(fault.code, 'fsync', path);
    this.syncCount++;
    f.syncedLength = f.length;
  }

  async readFile(rawPath: string): Promise<Buffer> {
    const path = posix.resolve(rawPath);
    const f = this.#file(path, 'open');
    return Buffer.from(f.data.subarray(0, f.length));
  }

  async stat(rawPath: string): Promise<StorageStat | null> {
    const path = posix.resolve(rawPath);
    if (this.#dirs.has(path)) return { size: 0, mtimeMs: 0, isDirectory: true };
    const f = this.#files.get(path);
    return f === undefined ? null : { size: f.length, mtimeMs: f.mtimeMs, isDirectory: false };
  }

  async readdir(rawPath: string): Promise<string[]> {
    const path = posix.resolve(rawPath);
    if (!this.#dirs.has(path)) throw fsError('ENOENT', 'scandir', path);
    return [...(this.#children.get(path) ?? [])].sort();
  }

  async mkdir(rawPath: string): Promise<void> {
    let path = posix.resolve(rawPath);
    while (!this.#dirs.has(path)) {
      this.#addDir(path);
      path = posix.dirname(path);
    }
  }

  async rename(rawFrom: string, rawTo: string): Promise<void> {
    const from = posix.resolve(rawFrom);
    const to = posix.resolve(rawTo);
    this.#checkParent(to, 'rename');
    const f = this.#files.get(from);
    if (f !== undefined) {
      this.#deleteFile(from);
      this.#deleteFile(to);
      this.#setFile(to, f);
      return;
    }
    if (!this.#dirs.has(from)) throw fsError('ENOENT', 'rename', from);
    const prefix = from + '/';
    for (const d of [...this.#dirs].sort()) {
      if (d === from || d.startsWith(prefix)) {
        this.#deleteDir(d);
        this.#addDir(to + d.slice(from.length));
      }
    }
    for (const [p, file] of [...this.#files]) {
      if (p.startsWith(prefix)) {
        this.#deleteFile(p);
        this.#setFile(to + p.slice(from.length), file);
      }
    }
  }

  async unlink(rawPath: string): Promise<void> {
    this.#deleteFile(posix.resolve(rawPath));
  }

  async rmdir(rawPath: string): Promise<void> {
    const path = posix.resolve(rawPath);
    const prefix = path + '/';
    for (const p of [...this.#files.keys()]) if (p.startsWith(prefix)) this.#deleteFile(p);
    for (const d of [...this.#dirs]) if (d === path || d.startsWith(prefix)) this.#deleteDir(d);
  }

  async syncDir(rawPath: string): Promise<void> {
    const path = posix.resolve(rawPath);
    if (!this.#dirs.has(path)) throw fsError('ENOENT', 'fsync', path);
  }
}

class MemFileHandle implements StorageFileHandle {
  #fs: FaultInjectingFs;
  #path: string;
  #file: MemFile;
  #generation: number;
  #readOnly: boolean;
  #closed = false;

  constructor(fs: FaultInjectingFs, path: string, file: MemFile, generation: number, readOnly: boolean) {
    this.#fs = fs;
    this.#path = path;
    this.#file = file;
    this.#generation = generation;
    this.#readOnly = readOnly;
  }

  #f(syscall: string): MemFile {
    if (this.#closed) throw fsError('EBADF', syscall, this.#path);
    this.#fs.checkHandle(this.#path, this.#generation, syscall);
    return this.#file;
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const f = this.#f('read');
    const n = Math.max(0, Math.min(length, f.length - position));
    f.data.copy(buffer, offset, position, position + n);
    return n;
  }

  async writev(buffers: readonly Buffer[], position: number): Promise<void> {
    if (this.#readOnly) throw fsError('EBADF', 'write', this.#path);
    this.#fs.write(this.#path, this.#f('write'), buffers, position);
  }

  async datasync(): Promise<void> {
    this.#fs.sync(this.#path, this.#f('fdatasync'));
  }

  async truncate(length: number): Promise<void> {
    const f = this.#f('ftruncate');
    if (length > f.length) {
      this.#fs.write(this.#path, f, [Buffer.alloc(length - f.length)], f.length);
      return;
    }
    f.length = length;
    f.syncedLength = Math.min(f.syncedLength, length);
  }

  async size(): Promise<number> {
    return this.#f('fstat').length;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#fs.handleClosed(this.#generation);
  }
}
