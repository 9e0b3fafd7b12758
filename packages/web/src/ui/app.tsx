/**
 * The top of the app: restore the session (the httpOnly cookie survives reloads), then show
 * either the sign-in screen or the chat. Signing out tears the chat controller down.
 */
import type { User } from '@parley/client';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createClient, errorText, restoreSession } from '../lib/session.js';
import { Chat } from '../state/chat.js';
import { AuthScreen } from './auth-screen.js';
import { ChatContext } from './chat-context.js';
import { Shell } from './shell.js';

type Phase =
  | { kind: 'loading' }
  | { kind: 'signed-out' }
  | { kind: 'in'; chat: Chat }
  | { kind: 'error'; message: string };

export function App() {
  const client = useMemo(createClient, []);
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  const enter = (user: User) => {
    const chat = new Chat(client);
    setPhase({ kind: 'in', chat });
    chat.start(user).catch((err: unknown) => setPhase({ kind: 'error', message: errorText(err) }));
  };

  useEffect(() => {
    restoreSession(client).then(
      (user) => (user ? enter(user) : setPhase({ kind: 'signed-out' })),
      (err: unknown) => setPhase({ kind: 'error', message: errorText(err) }),
    );
  }, []);

  const signOut = async () => {
    if (phase.kind === 'in') phase.chat.stop();
    try {
      await client.auth.logout();
    } finally {
      setPhase({ kind: 'signed-out' });
    }
  };

  switch (phase.kind) {
    case 'loading':
      return (
        <div class="splash" role="status">
          Loading Parley…
        </div>
      );
    case 'error':
      return (
        <div class="splash" role="alert">
          <p>{phase.message}</p>
          <button type="button" onClick={() => location.reload()}>
            Try again
          </button>
        </div>
      );
    case 'signed-out':
      return <AuthScreen client={client} onSignedIn={enter} />;
    case 'in':
      return (
        <ChatContext.Provider value={phase.chat}>
          <Shell onSignOut={signOut} />
        </ChatContext.Provider>
      );
  }
}
