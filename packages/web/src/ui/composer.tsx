/**
 * The composer: Enter sends, Shift+Enter adds a line, Up arrow in an empty composer edits one's
 * last message, Escape cancels a reply. Sends are optimistic (see Chat.send). Typing signals
 * go out at most every few seconds.
 */
import type { JoinedRoom } from '@parley/client';
import { useEffect, useRef, useState } from 'preact/hooks';
import { currentTimeline, editingId, me, replyingTo, roomLabel } from '../state/store.js';
import { useChat } from './chat-context.js';

const MAX = 4000;

export function Composer(props: { room: JoinedRoom }) {
  const chat = useChat();
  const { room } = props;
  const [text, setText] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  const reply = replyingTo.value?.room_id === room.id ? replyingTo.value : null;

  useEffect(() => {
    replyingTo.value = null;
    editingId.value = null;
    ref.current?.focus();
  }, [room.id]);
  useEffect(() => {
    if (reply) ref.current?.focus();
  }, [reply]);

  const send = () => {
    const body = text.trim();
    if (!body) return;
    chat.send(room.id, body, reply?.id ?? null);
    setText('');
    replyingTo.value = null;
  };

  const editLast = (): boolean => {
    const mine = currentTimeline.value.messages.findLast(
      (m) => m.author.id === me.value?.id && !m.deleted && m.content?.type === 'text',
    );
    if (!mine) return false;
    editingId.value = mine.id;
    return true;
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.isComposing) return;
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      send();
    } else if (e.key === 'ArrowUp' && text === '') {
      if (editLast()) e.preventDefault();
    } else if (e.key === 'Escape' && reply) {
      replyingTo.value = null;
    }
  };

  const label = room.kind === 'dm' ? roomLabel(room) : `#${room.name}`;
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {reply && (
        <div class="replying">
          <span>
            Replying to <strong>{reply.author.display_name}</strong>
          </span>
          <button
            type="button"
            class="icon-button"
            aria-label="Cancel reply"
            onClick={() => (replyingTo.value = null)}
          >
            ✕
          </button>
        </div>
      )}
      <label for="composer-input" class="visually-hidden">
        Message {label}
      </label>
      <textarea
        id="composer-input"
        ref={ref}
        rows={Math.min(6, Math.max(1, text.split('\n').length))}
        placeholder={`Message ${label}`}
        value={text}
        maxLength={MAX}
        aria-describedby="composer-hint"
        onInput={(e) => {
          setText(e.currentTarget.value);
          if (e.currentTarget.value) chat.typing(room.id);
        }}
        onKeyDown={onKeyDown}
      />
      <button type="submit" class="primary send" disabled={!text.trim()}>
        Send
      </button>
      <p id="composer-hint" class="visually-hidden">
        Enter sends, Shift+Enter adds a new line, Up arrow edits your last message.
      </p>
    </form>
  );
}
