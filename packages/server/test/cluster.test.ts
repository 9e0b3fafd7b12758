/**
 * Delivery across real processes: three built servers on different ports sharing one PostgreSQL
 * database and a private Redis. Cross-node delivery on WebSocket and SSE, resume on another node
 * after a client is killed mid-stream, a Redis restart mid-run, a client that stops reading, the
 * memory an idle connection costs, and `kill -9` of the accepting node right after its `201`.
 * (Needs `npm run build`: the processes run dist/main.js.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { caller, text } from './helpers/fixtures.js';
import { isEvent, TestSocket, TestStream, type Frame } from './helpers/realtime-client.js';
import { rssOf, startCluster, type Cluster } from './helpers/realtime-cluster.js';
import { generalRoomId, registerUser, type TestUser } from './helpers/users.js';

const created = (roomId: string) => isEvent(roomId, 'message.created');
const seqsOf = (frames: Frame[]) => frames.map((f) => f.seq as number);
const contiguous = (seqs: number[]) => seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1);

describe('three server processes sharing PostgreSQL and Redis', () => {
  let c: Cluster;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let general: string;
  const clients: { kill(): void }[] = [];
  const ws = async (node: number, user: TestUser) => {
    const s = await TestSocket.open(c.nodes[node]!.url, { token: user.access_token });
    clients.push(s);
    return s;
  };
  const post = async (node: number, user: TestUser, body: string) => {
    const res = await caller(c.nodes[node]!.url)<{ seq: number }>(
      user,
      'POST',
      `/api/v1/rooms/${general}/messages`,
      { content: text(body) },
    );
    expect(res.status).toBe(201);
    return res.body.seq;
  };

  beforeAll(async () => {
    c = await startCluster(3, { REALTIME_QUEUE_BYTES: '65536' });
    alice = await registerUser(c.nodes[0]!.url);
    bob = await registerUser(c.nodes[1]!.url);
    carol = await registerUser(c.nodes[2]!.url);
    general = await generalRoomId(c.nodes[0]!.url, alice);
  }, 120_000);
  afterAll(async () => {
    for (const client of clients) client.kill();
    await c?.stop();
  }, 60_000);

  it('delivers across nodes in order, on WebSocket and SSE', async () => {
    const a = await ws(0, alice);
    const b = await ws(1, bob);
    const s = await TestStream.open(`${c.nodes[2]!.url}/api/v1/stream`, carol.headers);
    clients.push({ kill: () => s.close() });
    for (let i = 0; i < 10; i++)
      a.send({ type: 'send', room_id: general, content: text(`ws ${i}`), client_id: `x${i}` });
    for (let i = 0; i < 5; i++) await post(2, bob, `rest ${i}`);
    const lists = await Promise.all([a, b, s].map((client) => client.count(created(general), 15)));
    for (const list of lists) expect(contiguous(seqsOf(list))).toBe(true);
    expect(seqsOf(lists[1]!)).toEqual(seqsOf(lists[0]!));
    expect(seqsOf(lists[2]!)).toEqual(seqsOf(lists[0]!));
    expect(lists[2]).toEqual(lists[0]);
  });

  it('resumes a client killed mid-stream on another node with exactly the missed events', async () => {
    const first = await ws(1, bob);
    const sent: number[] = [];
    for (let i = 0; i < 5; i++) sent.push(await post(0, alice, `before ${i}`));
    await first.next((f) => created(general)(f) && f.seq === sent.at(-1));
    first.kill(); // vanishes without a close handshake
    const seen = seqsOf(first.events(general));
    for (let i = 0; i < 5; i++) sent.push(await post(0, alice, `while away ${i}`));
    const second = await ws(2, bob);
    second.send({ type: 'resume', positions: { [general]: seen.at(-1) } });
    for (let i = 0; i < 3; i++) sent.push(await post(0, alice, `after ${i}`));
    await second.next((f) => created(general)(f) && f.seq === sent.at(-1));
    const all = [...seen, ...seqsOf(second.events(general))].filter((q) => q >= sent[0]!);
    expect(all).toEqual(sent);
  });

  it('loses nothing when Redis restarts mid-run', async () => {
    const [x, y] = [await ws(1, bob), await ws(2, carol)];
    const sent: number[] = [];
    for (let i = 0; i < 8; i++) sent.push(await post(0, alice, `redis up ${i}`));
    await c.redis.kill();
    for (let i = 0; i < 8; i++) sent.push(await post(0, alice, `redis down ${i}`));
    await c.redis.start();
    for (let i = 0; i < 8; i++) sent.push(await post(1, alice, `redis back ${i}`));
    for (const client of [x, y]) {
      await client.next((f) => created(general)(f) && f.seq === sent.at(-1), 10_000);
      expect(seqsOf(client.events(general).filter(created(general)))).toEqual(sent);
    }
  });

  it('tells a client that stops reading to resync while others continue unaffected', async () => {
    const slow = await ws(1, bob);
    const fast = [await ws(1, carol), await ws(2, alice)];
    (slow.ws as unknown as { _socket: Socket })._socket.pause();
    const big = 'x'.repeat(3900);
    const sent: number[] = [];
    const overflowed = () =>
      c.nodes[1]!.logs.some((l) => l.msg === 'slow consumer: outbound queue full');
    for (let batch = 0; batch < 40 && !overflowed(); batch++) {
      const seqs = await Promise.all(Array.from({ length: 50 }, () => post(0, alice, big)));
      sent.push(...seqs.sort((p, q) => p - q));
    }
    expect(overflowed()).toBe(true);
    console.log(`slow consumer: queue overflowed after ${sent.length} messages of ~4 KiB`);
    for (const f of fast) {
      await f.next((fr) => created(general)(fr) && fr.seq === sent.at(-1), 20_000);
      expect(seqsOf(f.events(general).filter(created(general)))).toEqual(sent);
    }
    (slow.ws as unknown as { _socket: Socket })._socket.resume();
    const resync = await slow.next((f) => f.type === 'resync', 20_000);
    expect(resync).toMatchObject({ room_id: general, reason: 'slow_consumer' });
    // Before the resync: a gap-free prefix, never a silent skip.
    const before = seqsOf(slow.events(general));
    expect(contiguous(before)).toBe(true);
    const live = await post(0, alice, 'after resync');
    await slow.next((f) => created(general)(f) && f.seq === live, 5000);
  }, 120_000);

  it('keeps idle connections small (measured per WebSocket)', async () => {
    const node = c.nodes[2]!;
    const count = 300;
    const before = await rssOf(node.proc.pid!);
    const idle: TestSocket[] = [];
    for (let i = 0; i < count; i++) idle.push(await ws(2, carol));
    const after = await rssOf(node.proc.pid!);
    const perConnection = (after - before) / count;
    console.log(`idle WebSocket: ~${Math.round(perConnection / 1024)} KiB RSS per connection`);
    expect(perConnection).toBeLessThan(64 * 1024);
    for (const s of idle) s.kill();
  }, 120_000);

  it('delivers to the other nodes when the accepting node is killed right after 201', async () => {
    const [x, y] = [await ws(1, bob), await ws(2, carol)];
    const seq = await post(0, alice, 'last words');
    c.nodes[0]!.proc.kill('SIGKILL');
    for (const client of [x, y])
      await client.next((f) => created(general)(f) && f.seq === seq, 2000);
  });
});
