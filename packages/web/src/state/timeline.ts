/**
 * One room's message timeline, as immutable values: every change returns a new Timeline so the
 * views re-render. All updates are idempotent upserts by message id (a replayed or duplicated
 * event changes nothing), which is what lets the realtime layer resume liberally.
 */
import type { Content, Message } from '@parley/client';

export interface PendingMessage {
  clientId: string;
  content: Content;
  replyTo: string | null;
  createdAt: string;
  status: 'sending' | 'failed';
  error?: string;
}

export interface Timeline {
  /** Confirmed messages, ascending by seq. */
  messages: Message[];
  /** Sent by this tab, not yet acknowledged (optimistic display). */
  pending: PendingMessage[];
  hasMoreBefore: boolean;
  loaded: boolean;
  loadingOlder: boolean;
  /** The read position when the room was opened: the "new messages" divider goes after it. */
  dividerAfterSeq: number | null;
}

export const emptyTimeline = (): Timeline => ({
  messages: [],
  pending: [],
  hasMoreBefore: false,
  loaded: false,
  loadingOlder: false,
  dividerAfterSeq: null,
});

/** Insert or replace messages (by id), keeping seq order. */
export function upsertMessages(t: Timeline, incoming: Message[]): Timeline {
  if (incoming.length === 0) return t;
  const byId = new Map(t.messages.map((m) => [m.id, m]));
  for (const m of incoming) {
    const old = byId.get(m.id);
    // A late, older copy (e.g. a replayed message.created after an edit) must not win.
    if (old && newer(old, m)) continue;
    byId.set(m.id, m);
  }
  const messages = [...byId.values()].sort((a, b) => a.seq - b.seq);
  return { ...t, messages };
}

function newer(a: Message, b: Message): boolean {
  if (a.deleted && !b.deleted) return true;
  if (a.edited_at && (!b.edited_at || a.edited_at > b.edited_at)) return true;
  return false;
}

export const addPending = (t: Timeline, p: PendingMessage): Timeline => ({
  ...t,
  pending: [...t.pending, p],
});

export const updatePending = (
  t: Timeline,
  clientId: string,
  patch: Partial<PendingMessage>,
): Timeline => ({
  ...t,
  pending: t.pending.map((p) => (p.clientId === clientId ? { ...p, ...patch } : p)),
});

export const removePending = (t: Timeline, clientId: string): Timeline => ({
  ...t,
  pending: t.pending.filter((p) => p.clientId !== clientId),
});

export const lastSeq = (t: Timeline): number => t.messages.at(-1)?.seq ?? 0;

/** The server's `me` flags on reactions in broadcast events are not ours: keep what we knew. */
export function keepMine(incoming: Message, old: Message | undefined): Message {
  if (!old) return incoming;
  return {
    ...incoming,
    reactions: incoming.reactions.map((r) => ({
      ...r,
      me: old.reactions.find((o) => o.emoji === r.emoji)?.me ?? false,
    })),
  };
}
