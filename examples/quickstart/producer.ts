/**
 * Streams fake user events as JSON to the `user-events` topic, a few per second, until
 * Ctrl-C. Each event is keyed by its user's id, so one user's events stay in order on one
 * partition.
 *
 *   npm run producer -w examples/quickstart
 */
import { Producer, ProduceAcks, stringSerializers } from '@platformatic/kafka';
import { BOOTSTRAP, TOPIC, fakeUserEvent } from './user-event.ts';

const producer = new Producer({
  clientId: 'quickstart-producer',
  bootstrapBrokers: [BOOTSTRAP],
  serializers: stringSerializers,
  acks: ProduceAcks.ALL,
});

let stopping = false;
const stop = (): void => { stopping = true; };
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

console.log(`Sending user events to ${TOPIC} on ${BOOTSTRAP}; Ctrl-C to stop.`);
let sent = 0;
while (!stopping) {
  const event = fakeUserEvent();
  const result = await producer.send({ messages: [{ topic: TOPIC, key: event.userId, value: JSON.stringify(event) }] });
  const where = result.offsets?.[0];
  sent++;
  console.log(`sent ${event.action} by ${event.name} -> partition ${where?.partition} offset ${where?.offset}`);
  await new Promise((resolve) => setTimeout(resolve, 250));
}
await producer.close();
console.log(`Sent ${sent} events.`);
