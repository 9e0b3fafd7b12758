/**
 * Fan-out: one room, `clients` connected subscribers, one sender. Two phases per system:
 * - saturation: the sender stays at most `window` messages ahead of the slowest subscriber
 *   (progress relayed from the receivers), so the server runs flat out without unbounded
 *   queues; deliveries/s = delivered ÷ (last arrival − first send);
 * - latency: a steady rate well below saturation; per message, send → every client received.
 * The same function measures Parley (1 or N nodes), bare `ws` and Socket.IO.
 */
import { randomBytes } from 'node:crypto';
import type { ReceiverKind } from '../clients/connections.js';
import type { SenderKind } from '../clients/senders.js';
import { receiverProcesses, type Profile } from '../profile.js';
import type { Row, System } from '../report/types.js';
import { measure, ReceiverGroup, runSenders, spreadHistogram } from './harness.js';

export interface FanoutTarget {
  system: System;
  receiverKind: ReceiverKind;
  senderKind: SenderKind;
  /** Receivers are spread over these (several Parley nodes); the sender uses the first. */
  urls: string[];
  pids: number[];
  roomId: string;
  receiverTokens?: string[];
  senderToken?: string;
}

const phaseId = () => randomBytes(3).toString('hex');

export async function fanoutRows(
  profile: Profile,
  target: FanoutTarget,
  clients: number,
  id: (kind: 'tput' | 'lat') => string,
  label: string,
): Promise<Row[]> {
  const seconds = profile.phaseMs / 1000;
  const maxPerRoom = Math.min(4000, Math.max(60, Math.ceil((seconds * 200_000) / clients)));
  const window = Math.min(64, Math.max(4, Math.ceil(20_000 / clients)));
  const rate = clients <= 1000 ? 20 : clients <= 5000 ? 4 : 2;
  // At these rates 10 s is 20 messages at 10,000 clients — a "p99" that is the slowest one; the
  // full profile sends at least `latencyMessages` (100: 50 s at 10,000 clients).
  const latMessages = Math.min(
    maxPerRoom,
    Math.max(Math.ceil(rate * seconds), profile.fanout.latencyMessages),
  );
  const tokens = target.receiverTokens ?? [];
  const conns = Array.from({ length: clients }, (_, i) => ({
    url: target.urls[i % target.urls.length] ?? '',
    token: tokens[i % Math.max(1, tokens.length)],
    room: 0,
  }));
  const group = await ReceiverGroup.open(
    target.receiverKind,
    conns,
    { rooms: 1, maxPerRoom },
    receiverProcesses(clients),
  );
  const lane = {
    url: target.urls[0] ?? '',
    token: target.senderToken,
    rooms: [{ index: 0, id: target.roomId }],
  };
  const base = {
    kind: target.senderKind,
    lanes: [lane],
    roomCount: 1,
    maxPerRoom,
    durationMs: profile.phaseMs,
  };
  try {
    const [tput, tputRes] = await measure(target.pids, async () => {
      const phase = phaseId();
      const sent = await runSenders(
        { ...base, phase, mode: 'window', window, maxMessages: maxPerRoom },
        group,
      );
      await group.drain(sent.sentPerRoom);
      return { sent, got: await group.collect(sent.sentPerRoom) };
    });
    const spanS = Math.max(1e-3, (tput.got.lastAt - tput.sent.firstSendAt) / 1000);
    const [lat, latRes] = await measure(target.pids, async () => {
      const phase = phaseId();
      const sent = await runSenders(
        {
          ...base,
          phase,
          mode: 'paced',
          ratePerS: rate,
          maxMessages: latMessages,
          durationMs: Math.max(profile.phaseMs, (latMessages / rate) * 1000 + 1000),
        },
        group,
      );
      await group.drain(sent.sentPerRoom);
      return { sent, got: await group.collect(sent.sentPerRoom) };
    });
    return [
      {
        id: id('tput'),
        scenario: 'fan-out',
        label: `${label}: saturated, window ${window} msgs`,
        system: target.system,
        throughput: { value: Math.round(tput.got.tally.delivered / spanS), unit: 'deliveries/s' },
        latencyKind: 'delivery',
        latency: tput.got.latency.summary(),
        delivery: tput.got.tally,
        errors: tput.sent.errors,
        resources: tputRes,
        extra: { messages: tput.sent.sent },
      },
      {
        id: id('lat'),
        scenario: 'fan-out',
        label: `${label}: steady ${rate} msg/s`,
        system: target.system,
        latencyKind: 'all clients',
        latency: spreadHistogram(lat.got.spread, lat.sent.sentPerRoom).summary(),
        delivery: lat.got.tally,
        errors: lat.sent.errors,
        resources: latRes,
        extra: { messages: lat.sent.sent, delivery_p99_ms: lat.got.latency.summary().p99 },
      },
    ];
  } finally {
    await group.close();
  }
}
