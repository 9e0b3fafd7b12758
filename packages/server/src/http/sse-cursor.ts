/**
 * SSE resume cursors (the `id:` of each event; `Last-Event-ID` or `?cursor=` on reconnect).
 * A single-room stream's cursor is the room's seq. A multi-room stream's cursor is the position
 * of every room it follows, `<room uuid without dashes>.<seq>` joined by `,` — self-contained,
 * so any node can resume it with no server-side cursor state.
 */
import { AppError } from '../errors.js';
import type { Subscription } from '../realtime/subscription.js';

const ENTRY = /^([0-9a-f]{32})\.(\d{1,15})$/;

export function encodeCursor(sub: Subscription): string {
  const parts: string[] = [];
  for (const [roomId, seq] of sub.positions) parts.push(`${roomId.replaceAll('-', '')}.${seq}`);
  return parts.join(',');
}

export function decodeCursor(raw: string): Map<string, number> {
  const out = new Map<string, number>();
  if (raw.trim() === '') return out;
  for (const part of raw.split(',')) {
    const m = ENTRY.exec(part.trim());
    if (!m) throw badCursor();
    const hex = m[1]!;
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    out.set(id, Number(m[2]));
  }
  return out;
}

export function decodeSeq(raw: string): number {
  if (!/^\d{1,15}$/.test(raw.trim())) throw badCursor();
  return Number(raw.trim());
}

const badCursor = () =>
  new AppError('invalid_request', 'invalid cursor: use the id of the last event received', [
    { field: 'cursor', message: 'is not a cursor this stream issued' },
  ]);
