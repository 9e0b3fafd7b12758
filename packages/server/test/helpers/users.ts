/**
 * Users for tests, made through the real API (POST /api/v1/auth/register and /auth/guest), so
 * they are exactly what a client gets: a fresh, unique account with its tokens and ready-made
 * request headers. Usernames are unique per process and run (`u<counter>_<random>`).
 */
import { randomBytes } from 'node:crypto';
import type { User } from '@parley/protocol';

export interface TestUser {
  user: User;
  username: string;
  password: string;
  access_token: string;
  refresh_token: string;
  /** `Authorization: Bearer …` and a JSON content type: pass as `fetch(…, { headers })`. */
  headers: Record<string, string>;
}

export const TEST_PASSWORD = 'correct horse battery staple';

let counter = 0;

/** A username that no other test (in this or a parallel worker) will pick. */
export function uniqueUsername(prefix = 'u'): string {
  counter += 1;
  return `${prefix}${counter}_${randomBytes(5).toString('hex')}`.slice(0, 32);
}

export const authHeaders = (accessToken: string): Record<string, string> => ({
  authorization: `Bearer ${accessToken}`,
  'content-type': 'application/json',
});

export async function registerUser(
  baseUrl: string,
  overrides: { username?: string; password?: string; display_name?: string } = {},
): Promise<TestUser> {
  const username = overrides.username ?? uniqueUsername();
  const password = overrides.password ?? TEST_PASSWORD;
  const body = await postJson(baseUrl, '/api/v1/auth/register', 201, {
    username,
    password,
    ...(overrides.display_name === undefined ? {} : { display_name: overrides.display_name }),
  });
  return toTestUser(body, password);
}

/** A guest (role `guest`, no password): `password` is empty. */
export async function registerGuest(baseUrl: string, displayName = 'Guest'): Promise<TestUser> {
  const body = await postJson(baseUrl, '/api/v1/auth/guest', 201, { display_name: displayName });
  return toTestUser(body, '');
}

export async function loginUser(
  baseUrl: string,
  username: string,
  password = TEST_PASSWORD,
): Promise<TestUser> {
  const body = await postJson(baseUrl, '/api/v1/auth/login', 200, { username, password });
  return toTestUser(body, password);
}

interface AuthBody {
  user: User;
  access_token: string;
  refresh_token: string;
}

function toTestUser(body: AuthBody, password: string): TestUser {
  return {
    user: body.user,
    username: body.user.username,
    password,
    access_token: body.access_token,
    refresh_token: body.refresh_token,
    headers: authHeaders(body.access_token),
  };
}

async function postJson(
  baseUrl: string,
  path: string,
  expected: number,
  body: unknown,
): Promise<AuthBody> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== expected) {
    throw new Error(`${path} answered ${res.status} (expected ${expected}): ${text}`);
  }
  return JSON.parse(text) as AuthBody;
}

/** The id of the `general` room every new user is in, as `user` lists it. */
export async function generalRoomId(baseUrl: string, user: { headers: Record<string, string> }) {
  const res = await fetch(`${baseUrl}/api/v1/rooms`, { headers: user.headers });
  const { rooms } = (await res.json()) as { rooms: { id: string; name: string }[] };
  return rooms.find((r) => r.name === 'general')!.id;
}
