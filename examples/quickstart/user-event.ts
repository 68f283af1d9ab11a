/** What the quickstart sends: one thing a (fake) user did, as JSON, keyed by the user's id. */
import { faker } from '@faker-js/faker';

export const TOPIC = process.env.QUICKSTART_TOPIC ?? 'user-events';
export const BOOTSTRAP = process.env.BOOTSTRAP_SERVER ?? '127.0.0.1:9092';

export interface UserEvent {
  userId: string;
  name: string;
  email: string;
  action: 'signed_up' | 'logged_in' | 'viewed_page' | 'added_to_cart' | 'checked_out';
  page: string;
  at: string;
}

/** A small cast of users, so the same keys (and partitions) come back as in real traffic. */
const users = Array.from({ length: 20 }, () => {
  const first = faker.person.firstName();
  const last = faker.person.lastName();
  return { userId: faker.string.uuid(), name: `${first} ${last}`, email: faker.internet.email({ firstName: first, lastName: last }) };
});

export function fakeUserEvent(): UserEvent {
  const user = faker.helpers.arrayElement(users);
  return {
    ...user,
    action: faker.helpers.arrayElement(['signed_up', 'logged_in', 'viewed_page', 'added_to_cart', 'checked_out'] as const),
    page: `/${faker.word.noun()}/${faker.number.int({ min: 1, max: 999 })}`,
    at: new Date().toISOString(),
  };
}
