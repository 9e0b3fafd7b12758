/** Modal dialogs (native <dialog>: focus trap, Escape to close): create, browse, new DM. */
import type { JoinedRoom, User } from '@parley/client';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../lib/session.js';
import { createRoom, joinRoom, publicRooms, searchUsers, startDm } from '../state/room-actions.js';
import { rooms } from '../state/store.js';
import { useChat } from './chat-context.js';

function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-label={props.title} onClose={props.onClose}>
      <div class="dialog-head">
        <h2>{props.title}</h2>
        <button type="button" class="icon-button" aria-label="Close" onClick={props.onClose}>
          ✕
        </button>
      </div>
      {props.children}
    </dialog>
  );
}

function useAction(onDone: () => void) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError('');
    try {
      await fn();
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const errorView = error ? (
    <p class="form-error" role="alert">
      {error}
    </p>
  ) : null;
  return { run, busy, errorView };
}

export function CreateRoomDialog(props: { onClose: () => void }) {
  const chat = useChat();
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [visibility, setVisibility] = useState<'public' | 'private'>('public');
  const { run, busy, errorView } = useAction(props.onClose);
  return (
    <Dialog title="Create a room" onClose={props.onClose}>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => createRoom(chat, { name: name.trim(), topic: topic.trim(), visibility }));
        }}
      >
        <label>
          Name
          <input
            required
            maxLength={64}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <label>
          Topic (optional)
          <input maxLength={250} value={topic} onInput={(e) => setTopic(e.currentTarget.value)} />
        </label>
        <fieldset class="radio-row">
          <legend>Who can find it</legend>
          {(['public', 'private'] as const).map((v) => (
            <label key={v}>
              <input
                type="radio"
                name="visibility"
                checked={visibility === v}
                onChange={() => setVisibility(v)}
              />
              {v === 'public' ? 'Public: anyone can join' : 'Private: invitation only'}
            </label>
          ))}
        </fieldset>
        {errorView}
        <button type="submit" class="primary" disabled={busy}>
          Create
        </button>
      </form>
    </Dialog>
  );
}

export function BrowseRoomsDialog(props: { onClose: () => void }) {
  const chat = useChat();
  const [list, setList] = useState<JoinedRoom[] | null>(null);
  const [loadError, setLoadError] = useState('');
  const { run, busy, errorView } = useAction(props.onClose);
  useEffect(() => {
    publicRooms(chat).then(setList, (err: unknown) => {
      setList([]);
      setLoadError(errorText(err));
    });
  }, [chat]);
  return (
    <Dialog title="Public rooms" onClose={props.onClose}>
      {list === null ? (
        <p role="status">Loading…</p>
      ) : (
        <ul class="browse-list">
          {list.map((r) => (
            <li key={r.id}>
              <div>
                <strong>#{r.name}</strong>
                {r.topic && <p class="topic">{r.topic}</p>}
                <small>{r.member_count} members</small>
              </div>
              {rooms.value.has(r.id) ? (
                <button
                  type="button"
                  class="ghost"
                  onClick={() => void chat.openRoom(r.id).then(props.onClose)}
                >
                  Open
                </button>
              ) : (
                <button
                  type="button"
                  class="primary"
                  disabled={busy}
                  onClick={() => void run(() => joinRoom(chat, r.id))}
                >
                  Join
                </button>
              )}
            </li>
          ))}
          {list.length === 0 && <li>No public rooms yet.</li>}
        </ul>
      )}
      {loadError && (
        <p class="form-error" role="alert">
          {loadError}
        </p>
      )}
      {errorView}
    </Dialog>
  );
}

export function NewDmDialog(props: { onClose: () => void }) {
  const chat = useChat();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<User[]>([]);
  const { run, busy, errorView } = useAction(props.onClose);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      searchUsers(chat, query.trim()).then(
        (users) => live && setFound(users),
        () => live && setFound([]),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [chat, query]);
  return (
    <Dialog title="Start a direct message" onClose={props.onClose}>
      <label>
        Find someone
        <input
          type="search"
          value={query}
          placeholder="Name or username"
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </label>
      <ul class="browse-list" aria-label="People">
        {found.map((u) => (
          <li key={u.id}>
            <div>
              <strong>{u.display_name}</strong> <small>@{u.username}</small>
            </div>
            <button
              type="button"
              class="primary"
              disabled={busy}
              onClick={() => void run(() => startDm(chat, u.id))}
            >
              Message
            </button>
          </li>
        ))}
      </ul>
      {errorView}
    </Dialog>
  );
}
