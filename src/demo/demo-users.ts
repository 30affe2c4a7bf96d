import { timingSafeEqual, createHash } from 'node:crypto';

/** A demo account (development only: the passwords are in README.md). */
export interface DemoUser {
  readonly subject: string;
  readonly username: string;
  readonly name: string;
  readonly email: string;
}

const USERS: ReadonlyArray<DemoUser & { readonly passwordHash: Buffer }> = [
  { subject: 'user-alice', username: 'alice', name: 'Alice Liddell', email: 'alice@example.com', passwordHash: hash('wonderland') },
  { subject: 'user-bob', username: 'bob', name: 'Bob Builder', email: 'bob@example.com', passwordHash: hash('builder') },
];

function hash(password: string): Buffer {
  return createHash('sha256').update(password, 'utf8').digest();
}

/** The user with this username and password, compared in constant time. */
export function verifyPassword(username: string, password: string): DemoUser | undefined {
  const user = USERS.find((u) => u.username === username);
  const presented = hash(password);
  // Compare even for unknown users, so that timing does not reveal which usernames exist.
  const ok = timingSafeEqual(presented, user?.passwordHash ?? hash('\u0000no-such-user'));
  return ok && user ? user : undefined;
}

export function findUser(subject: string): DemoUser | undefined {
  return USERS.find((u) => u.subject === subject);
}

/** The demo's `findAccountClaims`: the standard claims the demo users have (OIDC Core §5.1). */
export function demoAccountClaims(subject: string): Record<string, unknown> {
  const user = findUser(subject);
  if (!user) return {};
  return { name: user.name, preferred_username: user.username, email: user.email, email_verified: true };
}

export const AUTO_APPROVE_USER = USERS[0] as DemoUser;
