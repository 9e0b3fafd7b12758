/** Union validation errors are narrowed to the branch that applies, on real routes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { registerUser, type TestUser } from './helpers/users.js';

describe('validation errors a client can act on', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await startTestApp('external');
    user = await registerUser(t.url);
  });
  afterAll(() => t.close());

  const post = (path: string, body: unknown) =>
    fetch(`${t.url}${path}`, { method: 'POST', headers: user.headers, body: JSON.stringify(body) });

  it('an image with a javascript: URL is about the url, nothing else', async () => {
    const res = await post('/api/v1/messages', {
      content: { type: 'image', url: 'javascript:alert(1)' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 'invalid_request',
        message: 'body.content.url must be an http or https URL',
        details: [{ field: 'body.content.url', message: 'must be an http or https URL' }],
      },
    });
  });

  it('an unknown content type names the allowed ones', async () => {
    const res = await post('/api/v1/messages', {
      content: { type: 'audio', url: 'https://a.example/x' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; details: unknown[] } };
    expect(body.error.message).toBe('body.content.type must be one of "text", "image", "video"');
    expect(body.error.details).toHaveLength(1);
  });

  it('a union of literals in a query string names its values', async () => {
    const res = await fetch(`${t.url}/api/v1/rooms?scope=all`, { headers: user.headers });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toBe('querystring.scope must be one of "joined", "public"');
  });

  it('nothing was stored by the rejected sends', async () => {
    const res = await fetch(`${t.url}/api/v1/messages?limit=50`, { headers: user.headers });
    expect(((await res.json()) as { messages: unknown[] }).messages).toEqual([]);
  });
});
