/**
 * The browser session. Login, sign-up and guest entry ask the server for its httpOnly session
 * cookie (`cookie: true`), so a reload stays signed in without any token in script-readable
 * storage: an XSS bug could use the session while the page is open but could not steal it. The
 * access/refresh pair of the login response is kept in memory only (the SDK refreshes silently);
 * after a reload the cookie alone authenticates REST and the WebSocket. Unsafe cookie requests
 * echo the readable `parley_csrf` cookie in X-CSRF-Token (docs/SECURITY.md).
 */
import { ParleyClient, ParleyError, type User } from '@parley/client';

const CSRF_COOKIE = 'parley_csrf';

function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

export function createClient(): ParleyClient {
  return new ParleyClient({
    baseUrl: location.origin,
    credentials: 'same-origin',
    headers: (): Record<string, string> => {
      const csrf = readCookie(CSRF_COOKIE);
      return csrf ? { 'x-csrf-token': csrf } : {};
    },
  });
}

/** The signed-in user if the session cookie (or in-memory token) is still good, else null. */
export async function restoreSession(client: ParleyClient): Promise<User | null> {
  try {
    return await client.me.get();
  } catch (err) {
    if (err instanceof ParleyError && (err.status === 401 || err.status === 403)) return null;
    throw err;
  }
}

/** A readable message for an error from the SDK. */
export function errorText(err: unknown): string {
  if (err instanceof ParleyError) {
    const details = err.details as { field?: string; message?: string }[] | undefined;
    const first = Array.isArray(details) ? details[0] : undefined;
    if (err.code === 'invalid_request' && first?.field && first.message) {
      return `${first.field.replace(/^body\./, '').replace(/_/g, ' ')} ${first.message}`;
    }
    return err.message;
  }
  if (err instanceof TypeError) return 'Cannot reach the server. Check your connection.';
  return err instanceof Error ? err.message : String(err);
}
