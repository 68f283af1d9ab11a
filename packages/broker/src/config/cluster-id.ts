import { randomBytes } from 'node:crypto';

/**
 * A new cluster id in Kafka's Uuid text form (22 characters of base64url), for a first start
 * with no cluster.id configured. Like Kafka's Uuid.randomUuid, never one starting with "-",
 * which command-line tools would take for a flag.
 */
export function generateClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
