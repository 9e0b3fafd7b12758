/**
 * The open room's messages: a `role="log"` region with day separators, author grouping, the
 * "new messages" divider at the read position when the room was opened, optimistic pending
 * messages, infinite scroll back through history (the scroll position is kept while older
 * pages are prepended), and read position reporting while the end of the room is in view.
 */
import type { JoinedRoom, Message } from '@parley/client';
import type { JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { dayKey, dayLabel, GROUP_WINDOW_MS } from '../lib/time.js';
import { currentTimeline, me } from '../state/store.js';
import { useChat } from './chat-context.js';
import { MessageItem, PendingItem } from './message-item.js';

const NEAR_BOTTOM_PX = 48;
const NEAR_TOP_PX = 400;

export function MessageList(props: { room: JoinedRoom }) {
  const chat = useChat();
  const { room } = props;
  const t = currentTimeline.value;
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const fromBottom = useRef(0);
  const firstId = useRef<string | undefined>(undefined);
  const positioned = useRef(false);
  const [showJump, setShowJump] = useState(false);

  const atBottom = (el: HTMLElement) =>
    el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;

  const readIfSeen = () => {
    if (stick.current && document.visibilityState === 'visible') void chat.markRead(room.id);
  };

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    stick.current = atBottom(el);
    fromBottom.current = el.scrollHeight - el.scrollTop;
    if (stick.current) setShowJump(false);
    if (el.scrollTop < NEAR_TOP_PX) void chat.loadOlder(room.id);
    readIfSeen();
  };

  // After each change: keep the view where the reader is (see the component's comment).
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !t.loaded) return;
    const first = t.messages[0]?.id;
    if (!positioned.current) {
      positioned.current = true;
      const divider = el.querySelector<HTMLElement>('.new-divider');
      if (divider) {
        el.scrollTop = Math.max(0, divider.offsetTop - el.clientHeight / 3);
        stick.current = atBottom(el);
      } else {
        el.scrollTop = el.scrollHeight;
      }
    } else if (firstId.current && first !== firstId.current && !stick.current) {
      el.scrollTop = el.scrollHeight - fromBottom.current; // older messages were prepended
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
    } else {
      setShowJump(true);
    }
    firstId.current = first;
    fromBottom.current = el.scrollHeight - el.scrollTop;
    readIfSeen();
    // Still near the top (a short room, or a page that did not fill the view): no scroll event
    // will come, so fetch the next older page now; this ends when the view is full or at the start.
    if (el.scrollTop < NEAR_TOP_PX && t.hasMoreBefore) void chat.loadOlder(room.id);
  }, [t.messages, t.pending, t.loaded, t.loadingOlder]);

  // Previews and images grow the content after render: stay pinned to the end if we were.
  useEffect(() => {
    const el = scroller.current;
    if (!el || !content.current) return;
    const observer = new ResizeObserver(() => {
      if (stick.current) el.scrollTop = el.scrollHeight;
      fromBottom.current = el.scrollHeight - el.scrollTop;
    });
    observer.observe(content.current);
    return () => observer.disconnect();
  }, []);

  const jump = () => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    stick.current = true;
    setShowJump(false);
    readIfSeen();
  };

  return (
    <div class="messages-wrap">
      <div
        ref={scroller}
        class="messages"
        role="log"
        aria-label={`Messages in ${room.kind === 'dm' ? 'this conversation' : `#${room.name}`}`}
        aria-busy={!t.loaded || t.loadingOlder}
        tabIndex={0}
        onScroll={onScroll}
      >
        <div ref={content} class="messages-content">
          {t.loaded && !t.hasMoreBefore && (
            <p class="history-start">
              {room.kind === 'dm'
                ? 'This is the beginning of your conversation.'
                : `This is the beginning of #${room.name}.`}
            </p>
          )}
          {(t.loadingOlder || !t.loaded) && (
            <p class="history-loading" role="status">
              Loading messages…
            </p>
          )}
          {renderItems(t.messages, t.dividerAfterSeq, me.value?.id)}
          {t.pending.map((p) => (
            <PendingItem key={p.clientId} roomId={room.id} pending={p} />
          ))}
        </div>
      </div>
      {showJump && (
        <button type="button" class="jump" onClick={jump}>
          New messages ↓
        </button>
      )}
    </div>
  );
}

function renderItems(messages: Message[], dividerAfter: number | null, myId: string | undefined) {
  const out: JSX.Element[] = [];
  let prev: Message | undefined;
  let dividerShown = false;
  for (const m of messages) {
    const day = dayKey(m.created_at);
    const newDay = !prev || dayKey(prev.created_at) !== day;
    if (newDay) {
      out.push(
        <div
          key={`day-${day}`}
          class="day-separator"
          role="separator"
          aria-label={dayLabel(m.created_at)}
        >
          <span>{dayLabel(m.created_at)}</span>
        </div>,
      );
    }
    const divider =
      !dividerShown && dividerAfter !== null && m.seq > dividerAfter && m.author.id !== myId;
    if (divider) {
      dividerShown = true;
      out.push(
        <div key="new-divider" class="new-divider" role="separator" aria-label="New messages">
          <span>New messages</span>
        </div>,
      );
    }
    const grouped =
      !!prev &&
      !newDay &&
      !divider &&
      !m.reply_to &&
      prev.author.id === m.author.id &&
      Date.parse(m.created_at) - Date.parse(prev.created_at) < GROUP_WINDOW_MS;
    out.push(<MessageItem key={m.id} message={m} grouped={grouped} messages={messages} />);
    prev = m;
  }
  return out;
}
