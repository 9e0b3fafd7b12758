/** Finding, creating and joining rooms and DMs; each ends with the room open. */
import type { JoinedRoom, User } from '@parley/client';
import type { Chat } from './chat.js';
import { me, rememberUsers } from './store.js';

export const publicRooms = (chat: Chat): Promise<JoinedRoom[]> => chat.client.rooms.list('public');

export async function createRoom(
  chat: Chat,
  input: { name: string; topic?: string; visibility: 'public' | 'private' },
): Promise<void> {
  const room = await chat.client.rooms.create(input);
  await chat.loadRooms();
  await chat.openRoom(room.id);
}

export async function joinRoom(chat: Chat, roomId: string): Promise<void> {
  await chat.client.rooms.join(roomId);
  await chat.loadRooms();
  await chat.openRoom(roomId);
}

/** The DM with this user: the same room every time (the server finds or creates it). */
export async function startDm(chat: Chat, userId: string): Promise<void> {
  const room = await chat.client.rooms.dm([userId]);
  await chat.loadRooms();
  await chat.openRoom(room.id);
}

export async function searchUsers(chat: Chat, query: string): Promise<User[]> {
  const found = await chat.client.users.search(query, 10);
  rememberUsers(found);
  return found.filter((u) => u.id !== me.value?.id);
}
