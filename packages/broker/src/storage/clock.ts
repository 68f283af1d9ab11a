/**
 * Time as storage sees it: wall-clock milliseconds plus timers. Injected so tests move time
 * with ManualClock.advance() instead of sleeping (segment.ms, retention.ms, flush.ms,
 * delete.retention.ms, file.delete.delay.ms all read this clock).
 */
export interface Clock {
  now(): number;
  /** Runs `fn` once after `ms`; the returned function cancels it. Timers never keep the process alive. */
  schedule(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(ms, fn) {
    const t = setTimeout(fn, Math.max(0, Math.min(ms, 0x7fffffff)));
    t.unref();
    return () => clearTimeout(t);
  },
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when told; due timers run in time order during advance(). */
export class ManualClock implements Clock {
  #now: number;
  #timers: ManualTimer[] = [];
  #seq = 0;

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  schedule(ms: number, fn: () => void): () => void {
    const timer: ManualTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      const i = this.#timers.indexOf(timer);
      if (i >= 0) this.#timers.splice(i, 1);
    };
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, running each timer that falls due at its own instant. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers[0];
      if (next === undefined || next.at > target) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = target;
  }
}
