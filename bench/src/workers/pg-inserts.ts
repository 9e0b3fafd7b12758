/**
 * Load process for baseline (c): the durable-write ceiling. `connections` PostgreSQL connections
 * each insert one row and commit (autocommit), in a closed loop — one commit per message, which
 * is what a chat server without group commit can at best do.
 */
import pg from 'pg';
import { nowMs } from '../lib/clock.js';
import { serve } from '../proc/rpc.js';
import { Histogram } from '../stats/histogram.js';

export interface PgInsertParams {
  databaseUrl: string;
  table: string;
  connections: number;
  durationMs: number;
  maxInserts: number;
}

export interface PgInsertResult {
  inserts: number;
  errors: number;
  latency: ReturnType<Histogram['snapshot']>;
  elapsedMs: number;
}

async function run(p: PgInsertParams): Promise<PgInsertResult> {
  const clients = await Promise.all(
    Array.from({ length: p.connections }, async () => {
      const c = new pg.Client({ connectionString: p.databaseUrl });
      await c.connect();
      return c;
    }),
  );
  const latency = new Histogram();
  const body = JSON.stringify({ type: 'text', text: 'x'.repeat(96) });
  let inserts = 0;
  let errors = 0;
  const started = nowMs();
  const deadline = started + p.durationMs;
  try {
    await Promise.all(
      clients.map(async (c, lane) => {
        for (let i = 0; inserts + errors < p.maxInserts && nowMs() < deadline; i++) {
          const t0 = nowMs();
          try {
            await c.query({
              name: 'bench-insert',
              text: `INSERT INTO ${p.table} (room, body) VALUES ($1, $2)`,
              values: [(lane * 7 + i) % 100, body],
            });
            inserts++;
            latency.recordMs(nowMs() - t0);
          } catch {
            errors++;
          }
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
  return { inserts, errors, latency: latency.snapshot(), elapsedMs: nowMs() - started };
}

serve({ run });
