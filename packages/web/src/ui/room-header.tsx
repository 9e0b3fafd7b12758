/** The open room's name, topic and actions; the menu button opens the sidebar on phones. */
import { useState } from 'preact/hooks';
import { errorText } from '../lib/session.js';
import { currentRoom, dmMembers, presence, roomLabel, rooms, sidebarOpen } from '../state/store.js';
import { useChat } from './chat-context.js';

export function RoomHeader() {
  const chat = useChat();
  const room = currentRoom.value;
  const [error, setError] = useState('');
  const other = room?.kind === 'dm' ? dmMembers.value.get(room.id)?.[0] : undefined;
  // On phones the sidebar is hidden: the menu button tells that other rooms have news.
  const unreadElsewhere = [...rooms.value.values()].some(
    (r) => r.id !== room?.id && r.unread_count > 0,
  );

  const leave = async () => {
    if (!room || !window.confirm(`Leave #${room.name}?`)) return;
    try {
      await chat.leaveRoom(room.id);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <header class="room-header">
      <button
        type="button"
        class="icon-button menu-button"
        aria-label={unreadElsewhere ? 'Open the room list (unread messages)' : 'Open the room list'}
        aria-expanded={sidebarOpen.value}
        onClick={() => (sidebarOpen.value = !sidebarOpen.value)}
      >
        ☰{unreadElsewhere && <span class="menu-dot" aria-hidden="true" />}
      </button>
      {room && (
        <div class="room-title">
          <h1>
            {room.kind === 'dm' ? (
              <>
                {other && <PresenceDot online={presence.value.get(other) === 'online'} />}
                {roomLabel(room)}
              </>
            ) : (
              <>
                <span aria-hidden="true">#</span>
                {room.name}
              </>
            )}
          </h1>
          {room.topic && <p class="topic">{room.topic}</p>}
        </div>
      )}
      {room && room.kind === 'channel' && (
        <div class="room-actions">
          <span class="member-count">
            {room.member_count} {room.member_count === 1 ? 'member' : 'members'}
          </span>
          {room.name !== 'general' && (
            <button type="button" class="ghost" onClick={() => void leave()}>
              Leave
            </button>
          )}
        </div>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </header>
  );
}

export function PresenceDot(props: { online: boolean }) {
  return (
    <span
      class={props.online ? 'presence online' : 'presence'}
      role="img"
      aria-label={props.online ? 'online' : 'offline'}
    />
  );
}
