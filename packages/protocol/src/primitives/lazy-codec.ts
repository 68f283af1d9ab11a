/**
 * Lazy message codecs: the object @samsa/protocol exports for each generated message
 * (generated/codecs.ts) carries the schema facts, and its first read, write or defaults()
 * loads the message's module with a synchronous require() of an ES module (Node ≥ 22.12,
 * `process.features.require_module`). Importing the package thus loads no codec module at
 * all, and a broker loads only those of the APIs it is asked: the 165 modules cost ~20 MiB
 * and ~100 ms at start-up when loaded together.
 *
 * On that first call the object's read, write and defaults are replaced by the real
 * module's functions, so later calls go straight to them with no indirection.
 */
import type { Input, MessageCodec } from './message-support.ts';
import type { Reader } from './reader.ts';
import type { Writer } from './writer.ts';

/** A MessageCodec without its functions: what a codec is known by before it is loaded. */
export type CodecFacts = Omit<MessageCodec<unknown>, 'read' | 'write' | 'defaults'>;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function lazyCodec<T>(facts: CodecFacts, load: () => MessageCodec<T>): MessageCodec<T> {
  let real: MessageCodec<T> | undefined;
  const resolve = (): MessageCodec<T> => {
    if (real !== undefined) return real;
    const loaded = load();
    if (loaded === undefined || loaded.name !== facts.name) {
      throw new Error(`lazy codec ${facts.name}: its module did not export it`);
    }
    real = loaded;
    codec.read = real.read;
    codec.write = real.write;
    codec.defaults = real.defaults;
    return real;
  };
  const codec: Mutable<MessageCodec<T>> = {
    ...facts,
    read: (r: Reader, version: number): T => resolve().read(r, version),
    write: (w: Writer, version: number, value: Input<T>): void => resolve().write(w, version, value),
    defaults: (): T => resolve().defaults(),
  };
  return codec;
}

/**
 * A synchronous loader for sibling modules of `requireFrom` (a createRequire function):
 * `loadExport('heartbeat-request', 'HeartbeatRequest')`. Sources run as .ts with Node's
 * type stripping and a compiled build as .js; the extension is the caller's own.
 */
export function siblingLoader(requireFrom: (id: string) => unknown, callerUrl: string): (module: string, name: string) => unknown {
  const ext = callerUrl.endsWith('.ts') ? '.ts' : '.js';
  return (module, name) => {
    let ns: unknown;
    try {
      ns = requireFrom(`./${module}${ext}`);
    } catch (err) {
      if (process.features.require_module === false) {
        throw new Error(`@samsa/protocol loads its codecs with require() of ES modules, which this Node.js (${process.version}) lacks: use Node 22.12 or later`, { cause: err });
      }
      throw err;
    }
    return (ns as Record<string, unknown>)[name];
  };
}
