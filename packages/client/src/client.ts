/**
 * `ParleyClient`: typed calls for the whole REST API (API.md). It owns the credentials: an access
 * token (refreshed silently with the refresh token when the server says it expired) or a personal
 * API token for bots. Sends carry an idempotency key and are retried with the same key, so a
 * retried send never creates a second message.
 */
import type {
  ApiToken,
  AuthResult,
  CreatedApiToken,
  Member,
  Message,
  Room,
  User,
} from '@parley/protocol';
import { backoffDelay, newIdempotencyKey, sleep } from './backoff.js';
import { HttpTransport, ParleyError, type FetchLike, type RequestOptions } from './http.js';
import type {
  HistoryQuery,
  JoinedRoom,
  LinkPreview,
  MessagePage,
  SearchResult,
  SendInput,
  SendResult,
  Tokens,
} from './types.js';

export interface ParleyClientOptions {
  baseUrl: string;
  /** A personal API token or an access token obtained elsewhere. */
  token?: string;
  refreshToken?: string;
  /** Called whenever new tokens arrive (login, refresh) so the app can persist them. */
  onTokens?: (tokens: Tokens | null) => void;
  fetch?: FetchLike;
  /** Browser apps on the same origin may rely on the httpOnly session cookie instead of tokens. */
  credentials?: RequestCredentials;
  /** Extra headers on every request (e.g. the CSRF header for cookie sessions). */
  headers?: () => Record<string, string>;
  /** How many times a send is retried after a network error, 429 or 5xx (same key). */
  sendRetries?: number;
}

export class ParleyClient {
  readonly http: HttpTransport;
  refreshToken: string | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(private readonly options: ParleyClientOptions) {
    this.http = new HttpTransport(
      options.baseUrl,
      options.token,
      options.fetch,
      options.credentials,
      options.headers,
    );
    this.refreshToken = options.refreshToken;
  }

  get token(): string | undefined {
    return this.http.token;
  }

  /** Request with one silent refresh-and-retry when the access token has expired. */
  async call<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.raw<T>(path, options)).body;
  }

  async raw<T>(path: string, options: RequestOptions = {}) {
    try {
      return await this.http.request<T>(path, options);
    } catch (err) {
      if (
        !(err instanceof ParleyError) ||
        err.status !== 401 ||
        !this.refreshToken ||
        path.startsWith('/api/v1/auth/')
      ) {
        throw err;
      }
      await this.refresh();
      return this.http.request<T>(path, options);
    }
  }

  // ── identity ────────────────────────────────────────────────────────────────────────────
  readonly auth = {
    // `cookie: true` also sets the httpOnly session cookie (browsers on the same origin).
    register: (input: {
      username: string;
      password: string;
      display_name?: string;
      cookie?: boolean;
    }) => this.#authenticate('/api/v1/auth/register', input),
    login: (input: { username: string; password: string; cookie?: boolean }) =>
      this.#authenticate('/api/v1/auth/login', input),
    guest: (input: { display_name: string; cookie?: boolean }) =>
      this.#authenticate('/api/v1/auth/guest', input),
    logout: async () => {
      try {
        await this.http.request('/api/v1/auth/logout', { method: 'POST' });
      } finally {
        this.#setTokens(null);
      }
    },
    refresh: () => this.refresh(),
  };

  /** Exchange the refresh token for a new pair; concurrent callers share one request. */
  refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        const refresh_token = this.refreshToken;
        if (!refresh_token) throw new ParleyError(401, 'unauthenticated', 'no refresh token');
        const { body } = await this.http.request<AuthResult>('/api/v1/auth/refresh', {
          method: 'POST',
          body: { refresh_token },
        });
        this.#setTokens(body);
      } catch (err) {
        if (err instanceof ParleyError && err.status === 401) this.#setTokens(null);
        throw err;
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  async #authenticate(path: string, body: unknown): Promise<AuthResult> {
    const { body: result } = await this.http.request<AuthResult>(path, { method: 'POST', body });
    this.#setTokens(result);
    return result;
  }

  #setTokens(tokens: Tokens | null): void {
    this.http.token = tokens?.access_token;
    this.refreshToken = tokens?.refresh_token;
    this.options.onTokens?.(tokens);
  }

  readonly me = {
    get: () => this.call<User>('/api/v1/me'),
    update: (patch: { display_name?: string; password?: string; current_password?: string }) =>
      this.call<User>('/api/v1/me', { method: 'PATCH', body: patch }),
    tokens: {
      list: async () => (await this.call<{ tokens: ApiToken[] }>('/api/v1/me/tokens')).tokens,
      create: (input: { name: string; expires_in_days?: number }) =>
        this.call<CreatedApiToken>('/api/v1/me/tokens', { method: 'POST', body: input }),
      revoke: (id: string) => this.call<void>(`/api/v1/me/tokens/${enc(id)}`, { method: 'DELETE' }),
    },
  };

  readonly users = {
    search: async (query = '', limit?: number) =>
      (await this.call<{ users: User[] }>('/api/v1/users', { query: { query, limit } })).users,
    get: (id: string) => this.call<User>(`/api/v1/users/${enc(id)}`),
  };

  // ── rooms ───────────────────────────────────────────────────────────────────────────────
  readonly rooms = {
    list: async (scope: 'joined' | 'public' = 'joined') =>
      (await this.call<{ rooms: JoinedRoom[] }>('/api/v1/rooms', { query: { scope } })).rooms,
    create: (input: { name: string; topic?: string; visibility: 'public' | 'private' }) =>
      this.call<Room>('/api/v1/rooms', { method: 'POST', body: input }),
    get: (id: string) => this.call<Room>(`/api/v1/rooms/${enc(id)}`),
    update: (id: string, patch: { name?: string; topic?: string }) =>
      this.call<Room>(`/api/v1/rooms/${enc(id)}`, { method: 'PATCH', body: patch }),
    archive: (id: string) => this.call<void>(`/api/v1/rooms/${enc(id)}`, { method: 'DELETE' }),
    join: (id: string) => this.call<Room>(`/api/v1/rooms/${enc(id)}/join`, { method: 'POST' }),
    leave: (id: string) => this.call<void>(`/api/v1/rooms/${enc(id)}/leave`, { method: 'POST' }),
    members: async (id: string) =>
      (await this.call<{ members: Member[] }>(`/api/v1/rooms/${enc(id)}/members`)).members,
    invite: (id: string, user_id: string, role?: 'moderator' | 'member') =>
      this.call<unknown>(`/api/v1/rooms/${enc(id)}/members`, {
        method: 'POST',
        body: { user_id, role },
      }),
    kick: (id: string, userId: string) =>
      this.call<void>(`/api/v1/rooms/${enc(id)}/members/${enc(userId)}`, { method: 'DELETE' }),
    /** The dm room of the caller and these users (created on first use, the same one after). */
    dm: (userIds: string[]) =>
      this.call<Room>('/api/v1/dms', { method: 'POST', body: { user_ids: userIds } }),
    markRead: (id: string, seq: number) =>
      this.call<{ last_read_seq: number; unread_count: number }>(`/api/v1/rooms/${enc(id)}/read`, {
        method: 'POST',
        body: { seq },
      }),
  };

  // ── messages ────────────────────────────────────────────────────────────────────────────
  readonly messages = {
    list: (roomId: string, query: HistoryQuery = {}, signal?: AbortSignal) =>
      this.call<MessagePage>(`/api/v1/rooms/${enc(roomId)}/messages`, {
        query: { ...query },
        signal,
      }),
    get: (id: string) => this.call<Message>(`/api/v1/messages/${enc(id)}`),
    /**
     * Send with an idempotency key (generated unless given) and retry transient failures with the
     * same key: the message is created at most once, and `replayed` says a retry found it.
     */
    send: async (
      roomId: string,
      input: SendInput,
      idempotencyKey = newIdempotencyKey(),
    ): Promise<SendResult> => {
      const retries = this.options.sendRetries ?? 5;
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await this.raw<Message>(`/api/v1/rooms/${enc(roomId)}/messages`, {
            method: 'POST',
            body: input,
            headers: { 'idempotency-key': idempotencyKey },
          });
          return { message: res.body, replayed: res.headers.get('idempotent-replayed') === 'true' };
        } catch (err) {
          const transient = !(err instanceof ParleyError) || err.retryable || err.status >= 500;
          if (!transient || attempt >= retries) throw err;
          const hinted = err instanceof ParleyError && err.retryAfterS ? err.retryAfterS * 1000 : 0;
          await sleep(Math.max(hinted, backoffDelay(attempt)));
        }
      }
    },
    edit: (id: string, content: SendInput['content']) =>
      this.call<Message>(`/api/v1/messages/${enc(id)}`, { method: 'PATCH', body: { content } }),
    delete: (id: string) => this.call<void>(`/api/v1/messages/${enc(id)}`, { method: 'DELETE' }),
    react: (id: string, emoji: string) =>
      this.call<Message>(`/api/v1/messages/${enc(id)}/reactions/${enc(emoji)}`, { method: 'PUT' }),
    unreact: (id: string, emoji: string) =>
      this.call<Message>(`/api/v1/messages/${enc(id)}/reactions/${enc(emoji)}`, {
        method: 'DELETE',
      }),
  };

  search = async (q: string, options: { room_id?: string; limit?: number } = {}) =>
    (await this.call<{ results: SearchResult[] }>('/api/v1/search', { query: { q, ...options } }))
      .results;

  unfurl = (url: string) => this.call<LinkPreview>('/api/v1/unfurl', { query: { url } });

  health = () =>
    this.call<{ status: 'ok'; version: string; uptime_s: number }>('/api/v1/healthcheck');
}

const enc = encodeURIComponent;
