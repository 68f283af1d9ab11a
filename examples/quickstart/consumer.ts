/**
 * Reads `user-events` as a member of the consumer group `quickstart`, printing each event
 * as it arrives. It starts where the group left off (the beginning, the first time) and
 * commits what it read, so `samsa consumer-groups --describe --group quickstart` shows how
 * far behind it is. Start a second copy and the group splits the partitions between them.
 *
 *   npm run consumer -w examples/quickstart
 */
import { Consumer, stringDeserializers } from '@platformatic/kafka';
import { BOOTSTRAP, TOPIC, type UserEvent } from './user-event.ts';

const consumer = new Consumer({
  clientId: 'quickstart-consumer',
  groupId: process.env.QUICKSTART_GROUP ?? 'quickstart',
  bootstrapBrokers: [BOOTSTRAP],
  deserializers: stringDeserializers,
});

const stream = await consumer.consume({ topics: [TOPIC], mode: 'committed', fallbackMode: 'earliest', autocommit: 1000 });
console.log(`Reading ${TOPIC} on ${BOOTSTRAP} in group ${consumer.groupId}; Ctrl-C to stop.`);

const stop = (): void => {
  stream.close().then(() => consumer.close()).then(() => process.exit(0), (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

for await (const message of stream) {
  const event = JSON.parse(message.value) as UserEvent;
  console.log(`[partition ${message.partition} offset ${message.offset}] ${event.at} ${event.name} <${event.email}> ${event.action} ${event.page}`);
}
