/** Sign in, sign up, or continue as a guest with a name (when the server allows guests). */
import type { AuthResult, ParleyClient, User } from '@parley/client';
import { useState } from 'preact/hooks';
import { errorText } from '../lib/session.js';

type Mode = 'login' | 'register' | 'guest';

const TITLES: Record<Mode, string> = {
  login: 'Log in',
  register: 'Sign up',
  guest: 'Continue as guest',
};

export function AuthScreen(props: { client: ParleyClient; onSignedIn: (user: User) => void }) {
  const [mode, setMode] = useState<Mode>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    const { auth } = props.client;
    try {
      let result: AuthResult;
      if (mode === 'login') result = await auth.login({ username, password, cookie: true });
      else if (mode === 'register')
        result = await auth.register({
          username,
          password,
          ...(displayName.trim() ? { display_name: displayName.trim() } : {}),
          cookie: true,
        });
      else result = await auth.guest({ display_name: displayName.trim(), cookie: true });
      props.onSignedIn(result.user);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="auth">
      <form class="auth-card" onSubmit={(e) => void submit(e)} aria-labelledby="auth-title">
        <h1 class="brand">Parley</h1>
        <div class="tabs" role="tablist" aria-label="How to sign in">
          {(Object.keys(TITLES) as Mode[]).map((m) => (
            <button
              key={m}
              type="button"
              role="tab"
              aria-selected={mode === m}
              class={mode === m ? 'tab active' : 'tab'}
              onClick={() => {
                setMode(m);
                setError('');
              }}
            >
              {TITLES[m]}
            </button>
          ))}
        </div>
        <h2 id="auth-title" class="visually-hidden">
          {TITLES[mode]}
        </h2>
        {mode !== 'guest' && (
          <>
            <label>
              Username
              <input
                name="username"
                autocomplete="username"
                required
                minLength={3}
                maxLength={32}
                value={username}
                onInput={(e) => setUsername(e.currentTarget.value)}
              />
            </label>
            <label>
              Password
              <input
                name="password"
                type="password"
                autocomplete={mode === 'login' ? 'current-password' : 'new-password'}
                required
                minLength={mode === 'login' ? 1 : 8}
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
            </label>
          </>
        )}
        {mode !== 'login' && (
          <label>
            {mode === 'guest' ? 'Your name' : 'Display name (optional)'}
            <input
              name="display_name"
              autocomplete="nickname"
              required={mode === 'guest'}
              maxLength={64}
              value={displayName}
              onInput={(e) => setDisplayName(e.currentTarget.value)}
            />
          </label>
        )}
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Please wait…' : TITLES[mode]}
        </button>
      </form>
    </main>
  );
}
