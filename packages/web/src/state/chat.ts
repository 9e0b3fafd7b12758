/**
 * The controller: every server call and every state change of the chat goes through here.
 * Views call its methods and read the signals in store.ts. Lifecycle: `start(user)` after sign-in
 * opens the realtime connection and loads the rooms; `stop()` on sign-out closes it and clears
 * the state. Realtime frames are applied by realtime-sync.ts.
 */
import type {
  Content,
  Message,
  ParleyClient,
  RealtimeConnection,
  Room,
  User,
} from '@parley/client';
import { newIdempotencyKey, ParleyError } from '@parley/client';
import { errorText } from '../lib/session.js';
import {
  announcement,
  connection,
  currentRoomId,
  dmMembers,
  me,
  presence,
  rememberUsers,
  rooms,
  setEntry,
  sidebarOpen,
  timelines,
  typing,
  updateTimeline,
  users,
} from './store.js';
import { connectRealtime, watchNetwork } from './realtime-sync.js';
import { addPending, lastSeq, removePending, updatePending, upsertMessages } from './timeline.js';

const PAGE = 50;
const TYPING_EVERY_MS = 3000;

export class Chat {
  realtime: RealtimeConnection | undefined;
  #lastTyping = 0;
  #reading = new Set<string>();
  #stopTimers: (() => void)[] = [];

  constructor(readonly client: ParleyClient) {}

  async start(user: User): Promise<void> {
    me.value = user;
    rememberUsers([user]);
    this.realtime = connectRealtime(this);
    this.#stopTimers.push(watchNetwork(() => this.realtime));
    await this.loadRooms();
    const wanted = /^#\/room\/(.+)$/.exec(location.hash)?.[1];
    const all = [...rooms.value.values()];
    const first =
      all.find((r) => r.id === wanted) ?? all.find((r) => r.name === 'general') ?? all[0];
    if (first) await this.openRoom(first.id);
  }

  stop(): void {
    this.realtime?.close();
    this.realtime = undefined;
    for (const stop of this.#stopTimers.splice(0)) stop();
    me.value = null;
    rooms.value = new Map();
    timelines.value = new Map();
    currentRoomId.value = null;
    presence.value = new Map();
    typing.value = new Map();
    dmMembers.value = new Map();
    connection.value = 'connecting';
  }

  // ── rooms ───────────────────────────────────────────────────────────────────────────────
  async loadRooms(): Promise<void> {
    const list = await this.client.rooms.list('joined');
    rooms.value = new Map(list.map((r) => [r.id, r]));
    for (const r of list) {
      const known = this.realtime?.positions.get(r.id);
      if (known === undefined || known < r.last_seq) this.realtime?.setPosition(r.id, r.last_seq);
      if (r.last_message) rememberUsers([r.last_message.author]);
    }
    await Promise.all(list.filter((r) => r.kind === 'dm').map((r) => this.loadDmMembers(r.id)));
  }

  async loadDmMembers(roomId: string): Promise<void> {
    const members = await this.client.rooms.members(roomId);
    rememberUsers(members.map((m) => m.user));
    const others = members.map((m) => m.user.id).filter((id) => id !== me.value?.id);
    setEntry(dmMembers, roomId, others);
  }

  async openRoom(roomId: string): Promise<void> {
    const room = rooms.value.get(roomId);
    if (!room) return;
    currentRoomId.value = roomId;
    sidebarOpen.value = false;
    history.replaceState(null, '', `#/room/${roomId}`);
    updateTimeline(roomId, (t) => ({
      ...t,
      dividerAfterSeq: room.unread_count > 0 ? room.last_read_seq : null,
    }));
    if (!timelines.value.get(roomId)?.loaded) await this.loadLatest(roomId);
  }

  async loadLatest(roomId: string): Promise<void> {
    const page = await this.client.messages.list(roomId, { limit: PAGE });
    rememberUsers(page.messages.map((m) => m.author));
    updateTimeline(roomId, (t) => ({
      ...upsertMessages(t, page.messages),
      hasMoreBefore: page.has_more,
      loaded: true,
    }));
  }

  /** Infinite scroll: the page before the oldest loaded message. */
  async loadOlder(roomId: string): Promise<void> {
    const t = timelines.value.get(roomId);
    const oldest = t?.messages[0]?.seq;
    if (!t || !t.hasMoreBefore || t.loadingOlder || oldest === undefined) return;
    updateTimeline(roomId, (x) => ({ ...x, loadingOlder: true }));
    try {
      const page = await this.client.messages.list(roomId, { limit: PAGE, before: oldest });
      rememberUsers(page.messages.map((m) => m.author));
      updateTimeline(roomId, (x) => ({
        ...upsertMessages(x, page.messages),
        hasMoreBefore: page.has_more,
      }));
    } finally {
      updateTimeline(roomId, (x) => ({ ...x, loadingOlder: false }));
    }
  }

  /** After `resync` or a reconnect that could not resume: reload the room from REST. */
  async reloadRoom(roomId: string): Promise<void> {
    const room = await this.client.rooms.get(roomId);
    this.realtime?.setPosition(roomId, room.last_seq);
    this.mergeRoom(room);
    if (timelines.value.get(roomId)?.loaded) await this.loadLatest(roomId);
  }

  mergeRoom(room: Room): void {
    const old = rooms.value.get(room.id);
    if (old) setEntry(rooms, room.id, { ...old, ...room });
  }

  async leaveRoom(roomId: string): Promise<void> {
    await this.client.rooms.leave(roomId);
    this.forgetRoom(roomId);
  }

  forgetRoom(roomId: string): void {
    setEntry(rooms, roomId, undefined);
    setEntry(timelines, roomId, undefined);
    if (currentRoomId.value === roomId) {
      const next = [...rooms.value.values()].find((r) => r.name === 'general');
      currentRoomId.value = null;
      if (next) void this.openRoom(next.id);
    }
  }

  // ── messages ────────────────────────────────────────────────────────────────────────────
  /**
   * Optimistic send over the realtime connection: shown at once as pending; the SDK keeps it
   * (with its client_id as idempotency key) across reconnects, so a message written offline is
   * delivered exactly once when the connection returns.
   */
  send(roomId: string, text: string, replyTo: string | null, clientId = newIdempotencyKey()) {
    const content: Content = { type: 'text', text };
    updateTimeline(roomId, (t) =>
      t.pending.some((p) => p.clientId === clientId)
        ? updatePending(t, clientId, { status: 'sending', error: undefined })
        : addPending(t, {
            clientId,
            content,
            replyTo,
            createdAt: new Date().toISOString(),
            status: 'sending',
          }),
    );
    const realtime = this.realtime;
    if (!realtime) return;
    realtime.send(roomId, content, clientId, replyTo ?? undefined).then(
      (message: Message) => {
        updateTimeline(roomId, (t) => upsertMessages(removePending(t, clientId), [message]));
        this.#bumpRoom(message, true);
      },
      (err: unknown) =>
        updateTimeline(roomId, (t) =>
          updatePending(t, clientId, { status: 'failed', error: errorText(err) }),
        ),
    );
  }

  retry(roomId: string, clientId: string): void {
    const p = timelines.value.get(roomId)?.pending.find((x) => x.clientId === clientId);
    if (p && p.content.type === 'text') this.send(roomId, p.content.text, p.replyTo, clientId);
  }

  discard(roomId: string, clientId: string): void {
    updateTimeline(roomId, (t) => removePending(t, clientId));
  }

  async edit(message: Message, text: string): Promise<void> {
    const updated = await this.client.messages.edit(message.id, { type: 'text', text });
    updateTimeline(message.room_id, (t) => upsertMessages(t, [updated]));
  }

  async remove(message: Message): Promise<void> {
    await this.client.messages.delete(message.id);
    updateTimeline(message.room_id, (t) =>
      upsertMessages(t, [{ ...message, deleted: true, content: null }]),
    );
    announcement.value = 'Message deleted';
  }

  async toggleReaction(message: Message, emoji: string): Promise<void> {
    const mine = message.reactions.find((r) => r.emoji === emoji)?.me ?? false;
    const updated = mine
      ? await this.client.messages.unreact(message.id, emoji)
      : await this.client.messages.react(message.id, emoji);
    updateTimeline(message.room_id, (t) => upsertMessages(t, [updated]));
  }

  /** Send the read position when the user has seen the end of the room. */
  async markRead(roomId: string): Promise<void> {
    const room = rooms.value.get(roomId);
    const t = timelines.value.get(roomId);
    if (!room || !t?.loaded || this.#reading.has(roomId)) return;
    const seq = Math.max(lastSeq(t), room.last_seq);
    if (seq <= room.last_read_seq && room.unread_count === 0) return;
    this.#reading.add(roomId);
    try {
      const res = await this.client.rooms.markRead(roomId, seq);
      const now = rooms.value.get(roomId);
      if (now) setEntry(rooms, roomId, { ...now, ...res });
    } catch (err) {
      if (!(err instanceof ParleyError)) throw err;
    } finally {
      this.#reading.delete(roomId);
    }
  }

  typing(roomId: string): void {
    const now = Date.now();
    if (now - this.#lastTyping < TYPING_EVERY_MS) return;
    this.#lastTyping = now;
    this.realtime?.typing(roomId);
  }

  /** Track a new message in the sidebar: last message, last seq, unread count. */
  #bumpRoom(message: Message, read: boolean): void {
    const room = rooms.value.get(message.room_id);
    if (!room) return;
    setEntry(rooms, room.id, {
      ...room,
      last_seq: Math.max(room.last_seq, message.seq),
      last_message: message,
      unread_count: read ? room.unread_count : room.unread_count + 1,
    });
  }

  /** Called by realtime-sync for a message.created event. */
  onNewMessage(message: Message, visible: boolean): void {
    const own = message.author.id === me.value?.id;
    this.#bumpRoom(message, own || visible);
  }

  async userName(userId: string): Promise<void> {
    if (users.value.has(userId)) return;
    try {
      rememberUsers([await this.client.users.get(userId)]);
    } catch {
      // Unknown or gone: the view shows "someone".
    }
  }
}
