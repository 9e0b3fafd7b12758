/**
 * Application state as Preact signals. Views read `.value` (and re-render when it changes);
 * only the controller (chat.ts) writes. Collections are replaced, never mutated in place.
 */
import { computed, signal } from '@preact/signals';
import type { JoinedRoom, Message, User } from '@parley/client';
import { emptyTimeline, type Timeline } from './timeline.js';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed';

export const me = signal<User | null>(null);
export const rooms = signal<ReadonlyMap<string, JoinedRoom>>(new Map());
export const currentRoomId = signal<string | null>(null);
export const timelines = signal<ReadonlyMap<string, Timeline>>(new Map());
export const connection = signal<ConnectionStatus>('connecting');
export const presence = signal<ReadonlyMap<string, 'online' | 'offline'>>(new Map());
/** room id → user id → when the typing signal expires (ms since epoch). */
export const typing = signal<ReadonlyMap<string, ReadonlyMap<string, number>>>(new Map());
/** Known users (authors, members, search results), for names and DM labels. */
export const users = signal<ReadonlyMap<string, Pick<User, 'id' | 'username' | 'display_name'>>>(
  new Map(),
);
/** dm room id → the other members' ids. */
export const dmMembers = signal<ReadonlyMap<string, string[]>>(new Map());
export const sidebarOpen = signal(false);
/** The message being edited in place, and the one the composer replies to. */
export const editingId = signal<string | null>(null);
export const replyingTo = signal<Message | null>(null);
export const theme = signal<'dark' | 'light'>('dark');
/** A short message for the live region (e.g. "Message deleted"). */
export const announcement = signal('');

export const currentRoom = computed(() =>
  currentRoomId.value ? (rooms.value.get(currentRoomId.value) ?? null) : null,
);
export const currentTimeline = computed(() =>
  currentRoomId.value
    ? (timelines.value.get(currentRoomId.value) ?? emptyTimeline())
    : emptyTimeline(),
);

/** Replace one entry of a map signal. */
export function setEntry<K, V>(
  s: { value: ReadonlyMap<K, V> },
  key: K,
  value: V | undefined,
): void {
  const next = new Map(s.value);
  if (value === undefined) next.delete(key);
  else next.set(key, value);
  s.value = next;
}

export function updateTimeline(roomId: string, fn: (t: Timeline) => Timeline): void {
  setEntry(timelines, roomId, fn(timelines.value.get(roomId) ?? emptyTimeline()));
}

export function rememberUsers(list: Pick<User, 'id' | 'username' | 'display_name'>[]): void {
  let changed = false;
  const next = new Map(users.value);
  for (const u of list) {
    const old = next.get(u.id);
    if (old && old.display_name === u.display_name && old.username === u.username) continue;
    next.set(u.id, { id: u.id, username: u.username, display_name: u.display_name });
    changed = true;
  }
  if (changed) users.value = next;
}

/** How a room is labelled: channels by name, DMs by the other people in them. */
export function roomLabel(room: JoinedRoom): string {
  if (room.kind !== 'dm') return room.name;
  const others = dmMembers.value.get(room.id);
  if (!others || others.length === 0) return room.name;
  return others.map((id) => users.value.get(id)?.display_name ?? '…').join(', ');
}
