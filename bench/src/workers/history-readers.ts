/**
 * Load process: `concurrency` readers in a closed loop on `GET …/messages?limit=50`, alternately
 * the newest page and a random older page (`before=<seq>`) of a large room. A page that does not
 * hold `limit` messages counts as an error: a fast wrong answer must not pass.
 */
import { nowMs } from '../lib/clock.js';
import { serve } from '../proc/rpc.js';
import { createAgent, request } from '../clients/http.js';
import { Histogram } from '../stats/histogram.js';

export interface HistoryParams {
  url: string;
  token: string;
  roomId: string;
  lastSeq: number;
  limit: number;
  concurrency: number;
  durationMs: number;
  maxRequests: number;
}

export interface HistoryResult {
  requests: number;
  errors: Record<string, number>;
  latency: ReturnType<Histogram['snapshot']>;
  elapsedMs: number;
}

async function run(p: HistoryParams): Promise<HistoryResult> {
  const agent = createAgent(p.concurrency);
  const latency = new Histogram();
  const errors: Record<string, number> = {};
  const headers = { authorization: `Bearer ${p.token}` };
  const started = nowMs();
  const deadline = started + p.durationMs;
  let requests = 0;
  const fail = (code: string) => (errors[code] = (errors[code] ?? 0) + 1);
  await Promise.all(
    Array.from({ length: p.concurrency }, async (_, lane) => {
      for (let i = lane; requests < p.maxRequests && nowMs() < deadline; i++) {
        requests++;
        const before =
          i % 2 === 0
            ? ''
            : `&before=${p.limit + 1 + Math.floor(Math.random() * (p.lastSeq - p.limit))}`;
        const t0 = nowMs();
        try {
          const res = await request(
            agent,
            `${p.url}/api/v1/rooms/${p.roomId}/messages?limit=${p.limit}${before}`,
            'GET',
            headers,
          );
          latency.recordMs(nowMs() - t0);
          if (res.status !== 200) fail(`http_${res.status}`);
          else {
            const page = JSON.parse(res.body) as { messages?: unknown[] };
            if (page.messages?.length !== p.limit) fail('short_page');
          }
        } catch (err) {
          fail(err instanceof Error ? err.message : 'error');
        }
      }
    }),
  );
  agent.destroy();
  return { requests, errors, latency: latency.snapshot(), elapsedMs: nowMs() - started };
}

serve({ run });
