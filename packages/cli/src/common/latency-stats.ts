/**
 * Latencies for the perf tests, reported the way Kafka's ProducerPerformance does: count,
 * average and maximum over every record, and percentiles (50th, 95th, 99th, 99.9th) in
 * whole milliseconds. Records acknowledged together share one latency, so samples are
 * (latency, count) pairs: a million records in ten thousand sends cost ten thousand
 * entries, not a million.
 */
export interface LatencySummary {
  count: number;
  avgMs: number;
  maxMs: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
}

export class LatencyStats {
  readonly #samples: Array<[latencyMs: number, count: number]> = [];
  #count = 0;
  #sum = 0;
  #max = 0;

  record(latencyMs: number, count = 1): void {
    if (count <= 0) return;
    this.#samples.push([latencyMs, count]);
    this.#count += count;
    this.#sum += latencyMs * count;
    if (latencyMs > this.#max) this.#max = latencyMs;
  }

  get count(): number {
    return this.#count;
  }

  summary(): LatencySummary {
    const sorted = [...this.#samples].sort((a, b) => a[0] - b[0]);
    const at = (q: number): number => {
      if (this.#count === 0) return 0;
      // Kafka's percentile: the sample at index floor(q * n) of the sorted latencies.
      const index = Math.min(this.#count - 1, Math.floor(q * this.#count));
      let seen = 0;
      for (const [latency, count] of sorted) {
        seen += count;
        if (seen > index) return Math.floor(latency);
      }
      return Math.floor(sorted[sorted.length - 1]![0]);
    };
    return {
      count: this.#count,
      avgMs: this.#count === 0 ? 0 : this.#sum / this.#count,
      maxMs: this.#max,
      p50: at(0.5),
      p95: at(0.95),
      p99: at(0.99),
      p999: at(0.999),
    };
  }
}

/** Rates over a span, in Kafka's units (MB = 1024 * 1024 bytes). */
export function rates(records: number, bytes: number, elapsedMs: number): { recordsPerSec: number; mbPerSec: number } {
  const seconds = Math.max(elapsedMs, 1e-3) / 1000;
  return { recordsPerSec: records / seconds, mbPerSec: bytes / (1024 * 1024) / seconds };
}
