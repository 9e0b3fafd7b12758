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

/**
 * Low-level JSON-over-HTTP transport: base URL, bearer token, error decoding. Higher-level SDK
 * calls are built on `request`.
 */
export class HttpTransport {
  constructor(
    readonly baseUrl: string,
    public token?: string,
    private readonly fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
  ) {}

  async request<T>(path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
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
    });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
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
