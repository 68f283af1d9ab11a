/**
 * Opening @platformatic/kafka clients for a tool: the bootstrap addresses are checked for
 * reachability first (bootstrap.ts), and every client is named after the tool so broker
 * logs say who connected. The library is imported on first use, so `--help`, usage errors
 * and `dump-log` do not pay for loading it.
 */
import type { Admin, Consumer, ConsumerOptions, Producer, ProducerOptions } from '@platformatic/kafka';
import { reachBootstrap, type ConnectionOptions } from './bootstrap.ts';

type Extra<T> = Omit<T, 'clientId' | 'bootstrapBrokers'> & { clientId?: string };

export async function openAdmin(conn: ConnectionOptions, clientId: string): Promise<Admin> {
  const bootstrapBrokers = await reachBootstrap(conn);
  const { Admin } = await import('@platformatic/kafka');
  return new Admin({ clientId, bootstrapBrokers, retries: 2, retryDelay: 250 });
}

export async function openProducer(conn: ConnectionOptions, clientId: string,
  options: Extra<ProducerOptions<Buffer, Buffer, Buffer, Buffer>> = {}): Promise<Producer> {
  const bootstrapBrokers = await reachBootstrap(conn);
  const { Producer } = await import('@platformatic/kafka');
  return new Producer({ clientId, bootstrapBrokers, retries: 2, retryDelay: 250, ...options });
}

/**
 * A consumer needs a group id even when it only fetches partitions it was given (it joins
 * nothing until `consume()` is called); tools that read without a group pass a name that
 * is never sent to the broker.
 */
export async function openConsumer(conn: ConnectionOptions, clientId: string, groupId: string,
  options: Extra<Omit<ConsumerOptions<Buffer, Buffer, Buffer, Buffer>, 'groupId'>> = {}): Promise<Consumer> {
  const bootstrapBrokers = await reachBootstrap(conn);
  const { Consumer } = await import('@platformatic/kafka');
  return new Consumer({ clientId, groupId, bootstrapBrokers, retries: 2, retryDelay: 250, ...options } as ConsumerOptions<Buffer, Buffer, Buffer, Buffer>);
}

/** Closes clients, ignoring errors: used on the way out, when the first error is what matters. */
export async function closeAll(...clients: Array<{ close(): Promise<void> } | undefined>): Promise<void> {
  await Promise.allSettled(clients.map((c) => c?.close()));
}
