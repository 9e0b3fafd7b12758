import type { ErrorBody } from '@parley/protocol';

/** A non-2xx answer from the server, carrying API.md's error code, message and details. */
export class ParleyError extends Error {
  override name = 'ParleyError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }

  /** Worth retrying with the same idempotency key: the server was busy or failed transiently. */
  get retryable(): boolean {
    return this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export type FetchLike = (input: URL, init: RequestInit) => Promise<Response>;

/**
 * JSON over HTTP: base URL, bearer token, error decoding. Knows nothing of Parley's resources;
 * `ParleyClient` builds the API on top of it.
 */
export class HttpTransport {
  token: string | undefined;

  constructor(
    readonly baseUrl: string,
    token?: string,
    private readonly fetchImpl: FetchLike = (input, init) => globalThis.fetch(input, init),
    /** Browsers using the session cookie send credentials and the CSRF header. */
    private readonly credentials?: RequestCredentials,
    private readonly extraHeaders: () => Record<string, string> = () => ({}),
  ) {
    this.token = token;
  }

  async request<T>(path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...this.extraHeaders(),
      ...options.headers,
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const res = await this.fetchImpl(url, {
      method: options.method ?? 'GET',
      headers,
      body,
      signal: options.signal,
      ...(this.credentials ? { credentials: this.credentials } : {}),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const err = (parsed as ErrorBody | undefined)?.error;
      const retry = res.headers.get('retry-after');
      throw new ParleyError(
        res.status,
        err?.code ?? 'http_error',
        err?.message ?? `HTTP ${res.status}`,
        err?.details,
        retry ? Number(retry) : undefined,
      );
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }
}
