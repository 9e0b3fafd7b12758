/**
 * Applies realtime frames to the state. The SDK's RealtimeConnection delivers each room's events
 * in seq order, once, and resumes after reconnects from the positions set by Chat.loadRooms;
 * here every event becomes an idempotent upsert. `resync` reloads the room over REST. Typing
 * signals expire after a few seconds; presence is kept per user.
 */
import type { Member, Message, RealtimeConnection, Room, RoomEvent } from '@parley/client';
import { RealtimeConnection as Connection } from '@parley/client';
import { mentions, notify } from '../lib/notify.js';
import type { Chat } from './chat.js';
import {
  connection,
  currentRoomId,
  me,
  presence,
  rememberUsers,
  rooms,
  roomLabel,
  setEntry,
  timelines,
  typing,
  updateTimeline,
} from './store.js';
import { keepMine, upsertMessages } from './timeline.js';

const TYPING_TTL_MS = 6000;

interface ReactionData {
  message_id: string;
  user_id: string;
  emoji: string;
  message: Message;
}

export function connectRealtime(chat: Chat): RealtimeConnection {
  const { client } = chat;
  const rt = new Connection({
    baseUrl: location.origin,
    // In-memory access token after a login; after a reload the session cookie authenticates.
    getToken: () => client.token,
    onAuthFailure: () => (client.refreshToken ? client.refresh() : Promise.reject(new Error())),
  });
  let everReady = false;
  rt.on('state', (s) => {
    connection.value = navigator.onLine || s === 'open' ? s : 'offline';
  });
  rt.on('ready', () => {
    connection.value = 'open';
    // After a reconnect the sidebar's counts may be stale (rooms joined elsewhere, reads).
    if (everReady) void chat.loadRooms();
    everReady = true;
  });
  rt.on('event', (e) => applyEvent(chat, e));
  rt.on('resync', ({ room_id }) => void chat.reloadRoom(room_id));
  rt.on('presence', ({ user_id, status }) => setEntry(presence, user_id, status));
  rt.on('typing', ({ room_id, user_id }) => {
    if (user_id === me.value?.id) return;
    const room = new Map(typing.value.get(room_id) ?? []);
    room.set(user_id, Date.now() + TYPING_TTL_MS);
    setEntry(typing, room_id, room);
    void chat.userName(user_id);
  });
  const timer = setInterval(pruneTyping, 1000);
  rt.on('state', (s) => s === 'closed' && clearInterval(timer));
  return rt;
}

function pruneTyping(): void {
  const now = Date.now();
  let changed = false;
  const next = new Map<string, ReadonlyMap<string, number>>();
  for (const [room, who] of typing.value) {
    const alive = new Map([...who].filter(([, until]) => until > now));
    if (alive.size !== who.size) changed = true;
    if (alive.size > 0) next.set(room, alive);
  }
  if (changed) typing.value = next;
}

function applyEvent(chat: Chat, e: RoomEvent): void {
  const room = rooms.value.get(e.room_id);
  if (room && e.seq > room.last_seq) setEntry(rooms, room.id, { ...room, last_seq: e.seq });
  switch (e.event) {
    case 'message.created': {
      const m = e.data as Message;
      upsert(m);
      stopTyping(m.room_id, m.author.id);
      const visible = currentRoomId.value === m.room_id && document.visibilityState === 'visible';
      chat.onNewMessage(m, visible);
      maybeNotify(chat, m);
      return;
    }
    case 'message.updated':
    case 'message.deleted':
      return upsert(e.data as Message);
    case 'reaction.added':
    case 'reaction.removed': {
      const d = e.data as ReactionData;
      const old = findMessage(d.message.room_id, d.message_id);
      const merged = keepMine(d.message, old);
      if (d.user_id === me.value?.id) {
        merged.reactions = merged.reactions.map((r) =>
          r.emoji === d.emoji ? { ...r, me: e.event === 'reaction.added' } : r,
        );
      }
      return updateTimeline(d.message.room_id, (t) => upsertMessages(t, [merged]));
    }
    case 'member.joined': {
      const { user } = e.data as Member;
      rememberUsers([user]);
      if (user.id === me.value?.id && !room) void chat.loadRooms();
      return;
    }
    case 'member.left': {
      const { user } = e.data as Member;
      if (user.id === me.value?.id) chat.forgetRoom(e.room_id);
      return;
    }
    case 'room.updated':
      return chat.mergeRoom(e.data as Room);
  }
}

function upsert(m: Message): void {
  rememberUsers([m.author]);
  const old = findMessage(m.room_id, m.id);
  updateTimeline(m.room_id, (t) => upsertMessages(t, [keepMine(m, old)]));
}

const findMessage = (roomId: string, id: string) =>
  timelines.value.get(roomId)?.messages.find((m) => m.id === id);

function stopTyping(roomId: string, userId: string): void {
  const who = typing.value.get(roomId);
  if (!who?.has(userId)) return;
  const next = new Map(who);
  next.delete(userId);
  setEntry(typing, roomId, next);
}

function maybeNotify(chat: Chat, m: Message): void {
  const self = me.value;
  const room = rooms.value.get(m.room_id);
  if (!self || !room || m.author.id === self.id || m.content?.type !== 'text') return;
  const text = m.content.text;
  if (room.kind !== 'dm' && !mentions(text, self.username)) return;
  const where =
    room.kind === 'dm' ? m.author.display_name : `${m.author.display_name} in #${roomLabel(room)}`;
  notify(where, text, room.id, () => void chat.openRoom(room.id));
}

/** The browser's own online/offline signal, shown before the socket notices. */
export function watchNetwork(realtime: () => RealtimeConnection | undefined): () => void {
  const update = () => {
    const rt = realtime();
    if (!navigator.onLine) connection.value = 'offline';
    else if (rt) connection.value = rt.state;
  };
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  update();
  return () => {
    window.removeEventListener('online', update);
    window.removeEventListener('offline', update);
  };
}
