/**
 * One message: author and time (unless grouped with the previous one), the reply it answers,
 * the body, edited/deleted markers, reactions, and actions (reply, react, edit and delete for
 * one's own). Everything user-provided is rendered as text nodes.
 */
import type { Message } from '@parley/client';
import { useState } from 'preact/hooks';
import { errorText } from '../lib/session.js';
import { fullLabel, timeLabel } from '../lib/time.js';
import { editingId, me, replyingTo } from '../state/store.js';
import type { PendingMessage } from '../state/timeline.js';
import { useChat } from './chat-context.js';
import { EditBox } from './edit-box.js';
import { MessageBody } from './message-body.js';
import { Reactions, ReactionPicker } from './reactions.js';

export function MessageItem(props: { message: Message; grouped: boolean; messages: Message[] }) {
  const chat = useChat();
  const m = props.message;
  const own = m.author.id === me.value?.id;
  const editing = editingId.value === m.id;
  const [picking, setPicking] = useState(false);
  const [error, setError] = useState('');
  const replied = m.reply_to ? props.messages.find((x) => x.id === m.reply_to) : undefined;

  const act = (fn: () => Promise<void>) => {
    setError('');
    fn().catch((err: unknown) => setError(errorText(err)));
  };
  const remove = () => {
    if (window.confirm('Delete this message? This cannot be undone.')) act(() => chat.remove(m));
  };

  const classes = ['message', props.grouped && 'grouped', own && 'own', m.deleted && 'deleted']
    .filter(Boolean)
    .join(' ');
  return (
    <article
      class={classes}
      data-message-id={m.id}
      data-seq={m.seq}
      aria-label={`${m.author.display_name} at ${timeLabel(m.created_at)}`}
    >
      {!props.grouped && (
        <header class="message-head">
          <span class="author">{m.author.display_name}</span>
          <span class="username">@{m.author.username}</span>
          <time dateTime={m.created_at} title={fullLabel(m.created_at)}>
            {timeLabel(m.created_at)}
          </time>
        </header>
      )}
      {m.reply_to && <ReplyQuote message={replied} />}
      {m.deleted ? (
        <p class="body deleted-marker">This message was deleted.</p>
      ) : editing && m.content?.type === 'text' ? (
        <EditBox
          initial={m.content.text}
          onSave={(text) =>
            act(async () => {
              await chat.edit(m, text);
              editingId.value = null;
            })
          }
          onCancel={() => (editingId.value = null)}
        />
      ) : (
        <MessageBody message={m} />
      )}
      {m.edited_at && !m.deleted && (
        <span class="edited" title={`Edited ${fullLabel(m.edited_at)}`}>
          (edited)
        </span>
      )}
      {!m.deleted && (
        <Reactions message={m} onToggle={(e) => act(() => chat.toggleReaction(m, e))} />
      )}
      {!m.deleted && !editing && (
        <div class="message-actions" role="toolbar" aria-label="Message actions">
          <button type="button" onClick={() => (replyingTo.value = m)}>
            Reply
          </button>
          <button type="button" aria-expanded={picking} onClick={() => setPicking(!picking)}>
            React
          </button>
          {own && m.content?.type === 'text' && (
            <button type="button" onClick={() => (editingId.value = m.id)}>
              Edit
            </button>
          )}
          {own && (
            <button type="button" class="danger" onClick={remove}>
              Delete
            </button>
          )}
        </div>
      )}
      {picking && (
        <ReactionPicker
          onPick={(emoji) => {
            setPicking(false);
            act(() => chat.toggleReaction(m, emoji));
          }}
          onClose={() => setPicking(false)}
        />
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}

function ReplyQuote(props: { message: Message | undefined }) {
  const m = props.message;
  const text = !m
    ? 'an earlier message'
    : m.deleted
      ? 'a deleted message'
      : m.content?.type === 'text'
        ? m.content.text
        : `a ${m.content?.type ?? ''} message`;
  return (
    <p class="reply-quote">
      <span aria-hidden="true">↪ </span>
      {m ? <strong>{m.author.display_name}</strong> : 'Reply to'}{' '}
      <span class="reply-text">{text.slice(0, 140)}</span>
    </p>
  );
}

/** A message of this tab not yet acknowledged: shown at once; failed ones can be retried. */
export function PendingItem(props: { roomId: string; pending: PendingMessage }) {
  const chat = useChat();
  const p = props.pending;
  const user = me.value;
  return (
    <article
      class={`message own pending ${p.status}`}
      aria-label={p.status === 'failed' ? 'Message not sent' : 'Sending message'}
    >
      <header class="message-head">
        <span class="author">{user?.display_name}</span>
        <span class="status">{p.status === 'failed' ? 'Not sent' : 'Sending…'}</span>
      </header>
      <p class="body">{p.content.type === 'text' ? p.content.text : ''}</p>
      {p.status === 'failed' && (
        <div class="pending-actions">
          {p.error && <span class="form-error">{p.error}</span>}
          <button type="button" onClick={() => chat.retry(props.roomId, p.clientId)}>
            Retry
          </button>
          <button type="button" onClick={() => chat.discard(props.roomId, p.clientId)}>
            Discard
          </button>
        </div>
      )}
    </article>
  );
}
