/** Joined channels and DMs with unread badges and presence; room, browse and DM dialogs. */
import type { JoinedRoom } from '@parley/client';
import { useState } from 'preact/hooks';
import { askNotificationPermission, notificationPermission } from '../lib/notify.js';
import { currentRoomId, dmMembers, me, presence, roomLabel, rooms, theme } from '../state/store.js';
import { useChat } from './chat-context.js';
import { BrowseRoomsDialog, CreateRoomDialog, NewDmDialog } from './dialogs.js';
import { PresenceDot } from './room-header.js';
import { toggleTheme } from './theme.js';

type Open = 'none' | 'create' | 'browse' | 'dm';

export function Sidebar(props: { onSignOut: () => Promise<void> }) {
  const [open, setOpen] = useState<Open>('none');
  const [permission, setPermission] = useState(notificationPermission());
  const all = [...rooms.value.values()];
  const channels = all.filter((r) => r.kind === 'channel').sort(byName);
  const dms = all.filter((r) => r.kind === 'dm').sort(byName);
  const user = me.value;
  const close = () => setOpen('none');

  return (
    <nav class="sidebar" aria-label="Rooms">
      <div class="sidebar-top">
        <span class="brand">Parley</span>
      </div>
      <RoomSection
        title="Channels"
        rooms={channels}
        onAdd={() => setOpen('create')}
        addLabel="Create a room"
      />
      <button type="button" class="link-button" onClick={() => setOpen('browse')}>
        Browse public rooms
      </button>
      <RoomSection
        title="Direct messages"
        rooms={dms}
        onAdd={() => setOpen('dm')}
        addLabel="Start a direct message"
      />
      <div class="sidebar-footer">
        {user && (
          <div class="me" title={`@${user.username}`}>
            <PresenceDot online={true} />
            <span class="me-name">{user.display_name}</span>
            {user.role === 'guest' && <span class="tag">guest</span>}
          </div>
        )}
        <div class="footer-actions">
          <button
            type="button"
            class="icon-button"
            aria-label={
              theme.value === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'
            }
            onClick={toggleTheme}
          >
            {theme.value === 'dark' ? '☀' : '☾'}
          </button>
          {permission === 'default' && (
            <button
              type="button"
              class="icon-button"
              aria-label="Turn on desktop notifications for mentions and direct messages"
              onClick={() => void askNotificationPermission().then(setPermission)}
            >
              🔔
            </button>
          )}
          <button type="button" class="ghost" onClick={() => void props.onSignOut()}>
            Log out
          </button>
        </div>
      </div>
      {open === 'create' && <CreateRoomDialog onClose={close} />}
      {open === 'browse' && <BrowseRoomsDialog onClose={close} />}
      {open === 'dm' && <NewDmDialog onClose={close} />}
    </nav>
  );
}

function RoomSection(props: {
  title: string;
  rooms: JoinedRoom[];
  onAdd: () => void;
  addLabel: string;
}) {
  const chat = useChat();
  const id = `section-${props.title.replace(/\s+/g, '-').toLowerCase()}`;
  return (
    <section class="room-section" aria-labelledby={id}>
      <div class="section-head">
        <h2 id={id}>{props.title}</h2>
        <button type="button" class="icon-button" aria-label={props.addLabel} onClick={props.onAdd}>
          +
        </button>
      </div>
      <ul class="room-list">
        {props.rooms.map((r) => {
          const active = currentRoomId.value === r.id;
          const other = r.kind === 'dm' ? dmMembers.value.get(r.id)?.[0] : undefined;
          const unread = active ? 0 : r.unread_count;
          return (
            <li key={r.id}>
              <a
                href={`#/room/${r.id}`}
                class={`room-link${active ? ' active' : ''}${unread > 0 ? ' unread' : ''}`}
                aria-current={active ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  void chat.openRoom(r.id);
                }}
              >
                {r.kind === 'dm' ? (
                  <PresenceDot online={!!other && presence.value.get(other) === 'online'} />
                ) : (
                  <span class="hash" aria-hidden="true">
                    #
                  </span>
                )}
                <span class="room-name">{roomLabel(r)}</span>
                {unread > 0 && (
                  <span class="badge" aria-label={`${unread} unread`}>
                    {unread > 99 ? '99+' : unread}
                  </span>
                )}
              </a>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

const byName = (a: JoinedRoom, b: JoinedRoom) => roomLabel(a).localeCompare(roomLabel(b));
