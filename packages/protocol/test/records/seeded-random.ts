/** A deterministic PRNG (mulberry32) so property tests fail the same way every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function randomBytes(random: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256);
  return b;
}

/** Text that compresses like real payloads: JSON with repeated field names and values. */
export function jsonishPayload(bytes: number, seed = 1): Buffer {
  const random = seededRandom(seed);
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = JSON.stringify({
      id: i,
      user: `user-${randomInt(random, 0, 999)}`,
      event: ['page_view', 'click', 'add_to_cart', 'purchase'][randomInt(random, 0, 3)],
      ts: 1763740800000 + i * randomInt(random, 1, 50),
      price: Math.round(random() * 100000) / 100,
      tags: ['web', 'mobile', 'eu', 'us'].filter(() => random() < 0.5),
    });
    parts.push(line);
    size += line.length + 1;
  }
  return Buffer.from(parts.join('\n')).subarray(0, bytes);
}
