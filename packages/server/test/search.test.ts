/**
 * Full-text search: only messages the caller may read, ranked, prefix matching in any script,
 * highlights HTML-escaped with <mark>, tombstones and left rooms excluded, bad queries refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/domain/actor.js';
import { ENGINES } from './helpers/databases.js';
import { codeOf, startChat, text, type ChatFixture } from './helpers/fixtures.js';

describe.each(ENGINES)('search (%s PostgreSQL)', (engine) => {
  let f: ChatFixture;
  let alice: Actor, bob: Actor, carol: Actor;
  let openId: string, secretId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    f = await startChat(engine, { rateLimitSendPerS: 1000, rateLimitSendBurst: 1000 });
    [alice, bob, carol] = [await f.user(), await f.user(), await f.user()];
    openId = (await f.chat.rooms.create(alice, { name: 'ops', visibility: 'public' })).id;
    secretId = (await f.chat.rooms.create(alice, { name: 'vault', visibility: 'private' })).id;
    await f.chat.members.join(bob, openId);
    const say = async (key: string, actor: Actor, roomId: string, t: string) =>
      (ids[key] = (await f.chat.messages.send(actor, { roomId, content: text(t) })).message.id);
    await say('release', alice, openId, 'Deploying the new release tonight, deploy deploy');
    await say('secret', alice, secretId, 'deployment <script>alert(1)</script> & secrets');
    await say('noise', bob, openId, 'lunch anyone?');
    await say('russian', bob, openId, 'Привет, мир! Деплой завтра');
    await say('gone', bob, openId, 'deploy this one is deleted');
    await f.chat.messages.remove(bob, ids.gone!);
    await f.chat.messages.send(alice, {
      roomId: openId,
      content: { type: 'image', url: 'https://img.example/d.png', alt: 'architecture diagram' },
    });
  });
  afterAll(() => f.close());

  const found = async (actor: Actor, q: string, roomId?: string) =>
    (await f.chat.search.search(actor, { q, roomId })).map((r) => r.message.id);

  it('finds by word prefix, case-insensitively, ranked, in the caller’s rooms only', async () => {
    expect(await found(alice, 'deploy')).toEqual([ids.release, ids.secret]); // release ranks higher
    expect(await found(alice, 'DEPLOY')).toEqual([ids.release, ids.secret]);
    expect(await found(bob, 'deploy')).toEqual([ids.release]); // not in the vault
    expect(await found(carol, 'deploy')).toEqual([]); // in neither room
    expect(await found(alice, 'deploy release')).toEqual([ids.release]);
    expect(await found(bob, 'привет')).toEqual([ids.russian]);
    expect(await found(bob, 'депл')).toEqual([ids.russian]);
  });

  it('searches one visible room on request, and hides invisible ones', async () => {
    expect(await found(carol, 'deploy', openId)).toEqual([ids.release]); // public: readable
    expect(await codeOf(found(carol, 'deploy', secretId))).toBe('not_found');
    expect(await found(alice, 'deploy', secretId)).toEqual([ids.secret]);
  });

  it('highlights matches in escaped text', async () => {
    const [hit] = await f.chat.search.search(alice, { q: 'secrets', roomId: secretId });
    expect(hit!.highlight).toContain('<mark>secrets</mark>');
    expect(hit!.highlight).toBe(
      'deployment &lt;script&gt;alert(1)&lt;/script&gt; &amp; <mark>secrets</mark>',
    );
    const [release] = await f.chat.search.search(bob, { q: 'deploy' });
    expect(release!.highlight).toBe(
      '<mark>Deploying</mark> the new release tonight, <mark>deploy</mark> <mark>deploy</mark>',
    );
    const [russian] = await f.chat.search.search(bob, { q: 'ДЕПЛ мир' });
    expect(russian!.highlight).toBe('Привет, <mark>мир</mark>! <mark>Деплой</mark> завтра');
    // Image alt texts are searchable too.
    expect((await f.chat.search.search(alice, { q: 'diagram' }))[0]?.highlight).toBe(
      'architecture <mark>diagram</mark>',
    );
  });

  it('indexes messages sent concurrently (group commit) and edits', async () => {
    const sent = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        f.chat.messages.send(i % 2 ? alice : bob, {
          roomId: openId,
          content: text(`Batched ${i}`),
        }),
      ),
    );
    expect((await found(alice, 'batched')).sort()).toEqual(sent.map((s) => s.message.id).sort());
    await f.chat.messages.edit(alice, sent[1]!.message.id, { content: text('rewritten') });
    expect(await found(alice, 'batched')).toHaveLength(7);
    expect(await found(alice, 'rewrit')).toEqual([sent[1]!.message.id]);
  });

  it('forgets rooms the caller left', async () => {
    await f.chat.members.leave(bob, openId);
    expect(await found(bob, 'deploy')).toEqual([]);
    await f.chat.members.join(bob, openId);
    expect(await found(bob, 'deploy')).toEqual([ids.release]);
  });

  it('refuses empty or hostile queries cleanly', async () => {
    for (const q of ['', '   ', '!!!', '&|', '\\', "'':*", 'x'.repeat(201)])
      expect(await codeOf(f.chat.search.search(alice, { q }))).toBe('invalid_request');
    for (const q of ["it's", 'deploy & | ! (', 'a:*', 'back\\slash', "o'neil:*"])
      expect(Array.isArray(await found(alice, q))).toBe(true);
    expect(await codeOf(f.chat.search.search(alice, { q: 'deploy', limit: 0 }))).toBe(
      'invalid_request',
    );
  });
});
