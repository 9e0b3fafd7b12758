/** The signed-in layout: sidebar, and the open room (header, messages, typing line, composer). */
import { useEffect } from 'preact/hooks';
import { announcement, currentRoom, sidebarOpen } from '../state/store.js';
import { useChat } from './chat-context.js';
import { Composer } from './composer.js';
import { ConnectionBanner } from './connection-banner.js';
import { MessageList } from './message-list.js';
import { RoomHeader } from './room-header.js';
import { Sidebar } from './sidebar.js';
import { TypingLine } from './typing-line.js';

export function Shell(props: { onSignOut: () => Promise<void> }) {
  const chat = useChat();
  const room = currentRoom.value;

  // Coming back to the tab: the open room has been seen now.
  useEffect(() => {
    const onVisible = () => {
      const id = currentRoom.value?.id;
      if (document.visibilityState === 'visible' && id) void chat.markRead(id);
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [chat]);

  return (
    <div class={sidebarOpen.value ? 'shell sidebar-open' : 'shell'}>
      <a class="skip-link" href="#composer-input">
        Skip to message composer
      </a>
      <Sidebar onSignOut={props.onSignOut} />
      <div
        class="scrim"
        hidden={!sidebarOpen.value}
        onClick={() => (sidebarOpen.value = false)}
        aria-hidden="true"
      />
      <main class="room" aria-label={room ? `Room ${room.name}` : 'Chat'}>
        <RoomHeader />
        <ConnectionBanner />
        {room ? (
          <>
            <MessageList key={room.id} room={room} />
            <TypingLine roomId={room.id} />
            <Composer key={room.id} room={room} />
          </>
        ) : (
          <p class="empty">Pick a room, or create one.</p>
        )}
      </main>
      <div class="visually-hidden" role="status" aria-live="polite">
        {announcement.value}
      </div>
    </div>
  );
}
