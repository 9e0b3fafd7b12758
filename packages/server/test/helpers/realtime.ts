/**
 * Realtime test helpers: hub "nodes" on a real database and a real broker (in-process bus or
 * Redis with a per-run key prefix), rooms and committed events written through the real event
 * log, and a recording sink (a test client as the hub sees one). Whoever makes a node closes it.
 */
import { randomBytes } from 'node:crypto';
import type { RoomEvent } from '@parley/protocol';
import pino from 'pino';
import { withTransaction, type Pool } from '../../src/db/pool.js';
import { appendEvent } from '../../src/domain/event-log.js';
import type { Broker } from '../../src/realtime/broker.js';
import { Hub } from '../../src/realtime/hub.js';
import { eventLogReader } from '../../src/realtime/log.repository.js';
import { MemoryBroker, MemoryBus } from '../../src/realtime/memory-broker.js';
import type { Outbound } from '../../src/realtime/outbound.js';
import { RedisBroker } from '../../src/realtime/redis-broker.js';
import type { Sink, Subscription } from '../../src/realtime/subscription.js';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const BROKERS = ['memory', 'redis'] as const;
export type BrokerKind = (typeof BROKERS)[number];

export const uniquePrefix = (): string => `parley-test-${randomBytes(5).toString('hex')}:`;

/** Brokers that reach each other: one bus or one Redis prefix per cluster. */
export function brokerFactory(kind: BrokerKind): () => Promise<Broker> {
  if (kind === 'memory') {
    const bus = new MemoryBus();
    return async () => new MemoryBroker(bus);
  }
  const prefix = uniquePrefix();
  return async () => {
    const broker = new RedisBroker(REDIS_URL, prefix, pino({ level: 'silent' }));
    await broker.ready();
    return broker;
  };
}

export async function startHub(
  broker: Broker,
  pool: Pool,
  opts: { reconcileMs?: number; queueBytes?: number } = {},
): Promise<Hub> {
  const hub = new Hub({
    broker,
    reader: eventLogReader(pool),
    log: pino({ level: 'silent' }),
    reconcileMs: opts.reconcileMs ?? 60_000,
    limits: { queueBytes: opts.queueBytes ?? 1 << 20, stallTimeoutMs: 60_000 },
  });
  await hub.start();
  return hub;
}

export async function createRoom(pool: Pool, name = `room-${randomBytes(4).toString('hex')}`) {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO rooms (kind, name, visibility) VALUES ('channel', $1, 'public') RETURNING id`,
    [name],
  );
  return rows[0]!.id;
}

/** Commit `n` events in a room (one transaction each), as the domain does; not published. */
export async function commitEvents(pool: Pool, roomId: string, n: number): Promise<RoomEvent[]> {
  const out: RoomEvent[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await withTransaction(pool, (tx) =>
        appendEvent(tx, roomId, 'message.created', {
          text: `m${i}`,
          nonce: randomBytes(3).toString('hex'),
        }),
      ),
    );
  }
  return out;
}

/** A client as the hub sees it: records frames; `backlog` stands in for unsent bytes. */
export class RecordingSink implements Sink {
  readonly frames: Outbound[] = [];
  backlog = 0;
  closedWith: string | undefined;

  constructor(readonly userId: string) {}

  buffered(): number {
    return this.backlog;
  }

  write(frame: Outbound, _sub: Subscription): void {
    this.frames.push(frame);
  }

  close(reason: string): void {
    this.closedWith = reason;
  }

  parsed(): Record<string, unknown>[] {
    return this.frames.map((f) => JSON.parse(f.json) as Record<string, unknown>);
  }

  seqs(roomId?: string): number[] {
    return this.frames
      .filter((f) => f.seq !== undefined && (roomId === undefined || f.roomId === roomId))
      .map((f) => f.seq!);
  }
}

/** Wait until `check` holds (polling); fails with `what` after `ms`. */
export async function eventually(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
