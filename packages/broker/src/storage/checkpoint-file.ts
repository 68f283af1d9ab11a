import { replaceFileAtomically, type StorageFs } from './storage-fs.ts';

/**
 * Kafka's offset checkpoint files (recovery-point-offset-checkpoint,
 * log-start-offset-checkpoint, cleaner-offset-checkpoint), in Kafka's text format:
 *
 *   0                      version
 *   2                      number of entries
 *   orders 0 1234          topic, partition, offset: one line each
 *   orders 1 99
 *
 * Crash behaviour: a checkpoint is replaced atomically (write `<name>.tmp`, fsync it,
 * rename over `<name>`, fsync the directory), so a reader sees the old file or the new
 * one, never a mix. A leftover `.tmp` is ignored and overwritten.
 */

const VERSION = 0;

export type CheckpointEntries = Map<string, number>;

/** Key of an entry: `topic partition`, as on the line. Topic names never hold spaces. */
export function checkpointKey(topic: string, partition: number): string {
  return `${topic} ${partition}`;
}

export async function readCheckpoint(fs: StorageFs, path: string): Promise<CheckpointEntries> {
  let text: string;
  try {
    text = (await fs.readFile(path)).toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (Number(lines[0]) !== VERSION) throw new Error(`${path}: unknown checkpoint version ${JSON.stringify(lines[0])}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count !== lines.length - 2) {
    throw new Error(`${path}: expected ${lines[1]} entries, found ${lines.length - 2}`);
  }
  const entries: CheckpointEntries = new Map();
  for (const line of lines.slice(2)) {
    const parts = line.split(' ');
    const offset = Number(parts[2]);
    if (parts.length !== 3 || !Number.isSafeInteger(offset) || !/^\d+$/.test(parts[1]!)) {
      throw new Error(`${path}: malformed line ${JSON.stringify(line)}`);
    }
    entries.set(`${parts[0]} ${parts[1]}`, offset);
  }
  return entries;
}

export async function writeCheckpoint(fs: StorageFs, path: string, entries: CheckpointEntries): Promise<void> {
  const lines = [String(VERSION), String(entries.size)];
  for (const [key, offset] of entries) lines.push(`${key} ${offset}`);
  await replaceFileAtomically(fs, path, Buffer.from(lines.join('\n') + '\n'));
}
