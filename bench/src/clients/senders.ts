/**
 * One sending lane of each kind. `send` resolves when the system acknowledges: Parley REST on
 * `201` (committed), Parley WS on the `ack` frame (committed); the baselines have no
 * acknowledgement, so theirs resolve once the frame is written.
 */
import type http from 'node:http';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { messageEnvelope } from '../lib/envelope.js';
import { createAgent, request } from './http.js';

export type SenderKind = 'parley-rest' | 'parley-ws' | 'bare-ws' | 'socketio';

export interface TargetRoom {
  index: number;
  /** Parley's room id; the baselines use the index. */
  id: string;
}

export interface Lane {
  send(room: TargetRoom, seq: number, text: string, key: string): Promise<void>;
  close(): void;
}

export class SendError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

function restLane(url: string, token: string, agent: http.Agent): Lane {
  const headers = { authorization: `Bearer ${token}` };
  return {
    async send(room, _seq, text, key) {
      const res = await request(
        agent,
        `${url}/api/v1/rooms/${room.id}/messages`,
        'POST',
        { ...headers, 'idempotency-key': key },
        JSON.stringify({ content: { type: 'text', text } }),
      );
      if (res.status !== 201) throw new SendError(`http_${res.status}`);
    },
    close: () => undefined,
  };
}

const ACK_TIMEOUT_MS = 30_000;

async function parleyWsLane(url: string, token: string): Promise<Lane> {
  const pending = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/ws`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.on('message', (data: Buffer) => {
      if (data.indexOf('"type":"ready"') >= 0) return resolve();
      // Only acks and errors are parsed; the room events this user also receives are skipped.
      if (data.indexOf('"type":"ack"') < 0 && data.indexOf('"type":"error"') < 0) return;
      const frame = JSON.parse(data.toString()) as {
        type: string;
        client_id?: string;
        code?: string;
      };
      const p = frame.client_id ? pending.get(frame.client_id) : undefined;
      if (!p || !frame.client_id) return;
      pending.delete(frame.client_id);
      if (frame.type === 'ack') p.resolve();
      else p.reject(new SendError(`ws_${frame.code ?? 'error'}`));
    });
    ws.once('error', reject);
    ws.once('close', () => {
      for (const p of pending.values()) p.reject(new SendError('ws_closed'));
      pending.clear();
    });
  });
  return {
    send: (room, _seq, text, key) =>
      new Promise<void>((resolve, reject) => {
        // Never wait forever: an unanswered send counts as an error, not a hang.
        const timer = setTimeout(() => {
          pending.delete(key);
          reject(new SendError('ws_ack_timeout'));
        }, ACK_TIMEOUT_MS);
        pending.set(key, {
          resolve: () => (clearTimeout(timer), resolve()),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
        ws.send(
          JSON.stringify({
            type: 'send',
            room_id: room.id,
            content: { type: 'text', text },
            client_id: key,
          }),
        );
      }),
    close: () => ws.terminate(),
  };
}

async function bareWsLane(url: string, rooms: TargetRoom[]): Promise<Lane> {
  const pubs = new Map<number, WebSocket>();
  await Promise.all(
    rooms.map(
      (room) =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/?role=pub&room=${room.index}`);
          ws.once('open', () => resolve());
          ws.once('error', reject);
          pubs.set(room.index, ws);
        }),
    ),
  );
  return {
    async send(room, seq, text) {
      pubs.get(room.index)?.send(JSON.stringify(messageEnvelope(room.id, seq, text)));
    },
    close: () => pubs.forEach((ws) => ws.terminate()),
  };
}

async function socketIoLane(url: string, rooms: TargetRoom[]): Promise<Lane> {
  const pubs = new Map<number, Socket>();
  await Promise.all(
    rooms.map(
      (room) =>
        new Promise<void>((resolve, reject) => {
          const socket = io(url, {
            transports: ['websocket'],
            forceNew: true,
            reconnection: false,
            query: { role: 'pub', room: String(room.index) },
          });
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
          pubs.set(room.index, socket);
        }),
    ),
  );
  return {
    send(room, seq, text) {
      const socket = pubs.get(room.index);
      if (!socket) return Promise.reject(new SendError('no publisher'));
      // Resolves on the server's ack: the broadcast has happened, and the run's end waits for it.
      return socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck('publish', messageEnvelope(room.id, seq, text))
        .then(() => undefined);
    },
    close: () => pubs.forEach((s) => s.disconnect()),
  };
}

export async function openLane(
  kind: SenderKind,
  url: string,
  token: string | undefined,
  rooms: TargetRoom[],
  agent: http.Agent = createAgent(4),
): Promise<Lane> {
  switch (kind) {
    case 'parley-rest':
      return restLane(url, token ?? '', agent);
    case 'parley-ws':
      return parleyWsLane(url, token ?? '');
    case 'bare-ws':
      return bareWsLane(url, rooms);
    case 'socketio':
      return socketIoLane(url, rooms);
  }
}
