/**
 * One subscriber connection of each kind the bench compares. Each resolves once the server has
 * registered it (bare ws and Socket.IO: a `ready` message from the baseline server; Parley WS:
 * the `ready` frame after authentication; SSE: the 200 response head) and then hands every frame
 * to `onFrame` untouched — the receiver looks for the bench marker the same way for all kinds.
 */
import http from 'node:http';
import { io } from 'socket.io-client';
import WebSocket from 'ws';

export type ReceiverKind = 'bare-ws' | 'socketio' | 'parley-ws' | 'parley-sse';

export interface ConnSpec {
  /** The server's http:// base URL. */
  url: string;
  /** Parley: an access token of a member of the room. */
  token?: string;
  /** The room's index in the scenario (what the markers carry). */
  room: number;
}

export interface OpenConn {
  close(): void;
}

export type OnFrame = (frame: string | Buffer) => void;

const TIMEOUT_MS = 60_000;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error(`${what}: no ready within ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS,
    );
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function openWs(
  url: string,
  onFrame: OnFrame,
  onClose: () => void,
  firstFrames: string[] = [],
): Promise<OpenConn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let ready = false;
    ws.on('open', () => {
      for (const frame of firstFrames) ws.send(frame);
    });
    ws.on('message', (data: Buffer) => {
      if (!ready) {
        if (data.indexOf('"type":"ready"') >= 0) {
          ready = true;
          resolve({ close: () => ws.terminate() });
        } else if (data.indexOf('"type":"error"') >= 0) {
          reject(new Error(`connection refused: ${data.toString()}`));
        }
        return;
      }
      onFrame(data);
    });
    ws.on('error', (err) => {
      if (!ready) reject(err);
    });
    ws.on('close', (code) => {
      if (!ready) reject(new Error(`closed before ready (${code})`));
      else onClose();
    });
  });
}

function openSse(spec: ConnSpec, onFrame: OnFrame, onClose: () => void): Promise<OpenConn> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${spec.url}/api/v1/stream`,
      {
        agent: false,
        headers: { authorization: `Bearer ${spec.token ?? ''}`, accept: 'text/event-stream' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`SSE answered ${res.statusCode}`));
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            onFrame(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        });
        res.on('close', onClose);
        resolve({ close: () => req.destroy() });
      },
    );
    req.on('error', reject);
  });
}

export function openConnection(
  kind: ReceiverKind,
  spec: ConnSpec,
  onFrame: OnFrame,
  onClose: () => void,
): Promise<OpenConn> {
  const wsBase = spec.url.replace(/^http/, 'ws');
  switch (kind) {
    case 'bare-ws':
      return withTimeout(openWs(`${wsBase}/?room=${spec.room}`, onFrame, onClose), kind);
    case 'parley-ws':
      return withTimeout(
        openWs(
          `${wsBase}/api/v1/ws`,
          onFrame,
          onClose,
          // Pipelined, as the SDK does on a reconnect: the (empty) resume also ends the
          // server's resume window, so live events flow from `ready` on.
          [
            JSON.stringify({ type: 'auth', token: spec.token }),
            JSON.stringify({ type: 'resume', positions: {} }),
          ],
        ),
        kind,
      );
    case 'parley-sse':
      return withTimeout(openSse(spec, onFrame, onClose), kind);
    case 'socketio':
      return withTimeout(
        new Promise((resolve, reject) => {
          const socket = io(spec.url, {
            transports: ['websocket'],
            forceNew: true,
            reconnection: false,
            query: { room: String(spec.room) },
          });
          socket.once('ready', () => resolve({ close: () => socket.disconnect() }));
          socket.on('event', (event: { data?: { content?: { text?: string } } }) =>
            onFrame(event.data?.content?.text ?? ''),
          );
          socket.on('connect_error', reject);
          socket.on('disconnect', onClose);
        }),
        kind,
      );
  }
}
