/**
 * Link previews: validate the URL, fetch the page under the SSRF policy (safe-fetch.ts), parse
 * its metadata (html-meta.ts), and cache the outcome. Successes are cached for an hour, failures
 * for a minute (so a bad link pasted into a busy room is fetched once, not once per reader);
 * concurrent requests for the same URL share one fetch. The cache is per process: nodes do not
 * share it, which only costs an extra fetch.
 */
import { LRUCache } from 'lru-cache';
import type { Actor } from '../actor.js';
import type { LinkPreview } from '@parley/protocol';
import { AppError } from '../../errors.js';
import { extractMeta } from './html-meta.js';
import { fetchPage, UnfurlError, type FetchPolicy } from './safe-fetch.js';

type Outcome = { ok: true; preview: LinkPreview } | { ok: false; error: UnfurlError };

export interface UnfurlOptions extends FetchPolicy {
  cacheEntries?: number;
  successTtlMs?: number;
  failureTtlMs?: number;
}

const MAX_URL_LENGTH = 2048;

export class UnfurlService {
  readonly #cache: LRUCache<string, Outcome>;
  readonly #inflight = new Map<string, Promise<Outcome>>();

  constructor(private readonly options: UnfurlOptions) {
    this.#cache = new LRUCache({ max: options.cacheEntries ?? 1000 });
  }

  /** Any signed-in user may ask; the actor is taken so that the rule is visible here. */
  async unfurl(_actor: Actor, raw: string): Promise<LinkPreview> {
    const url = parseUrl(raw);
    const key = url.href;
    const outcome = this.#cache.get(key) ?? (await this.#fetchShared(key, url));
    if (outcome.ok) return outcome.preview;
    throw toAppError(outcome.error);
  }

  #fetchShared(key: string, url: URL): Promise<Outcome> {
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#fetch(url).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  async #fetch(url: URL): Promise<Outcome> {
    let outcome: Outcome;
    try {
      const page = await fetchPage(url, this.options);
      outcome = { ok: true, preview: { url: page.url.href, ...extractMeta(page.html, page.url) } };
    } catch (err) {
      if (!(err instanceof UnfurlError)) throw err;
      outcome = { ok: false, error: err };
    }
    const ttl = outcome.ok
      ? (this.options.successTtlMs ?? 3_600_000)
      : (this.options.failureTtlMs ?? 60_000);
    this.#cache.set(url.href, outcome, { ttl });
    return outcome;
  }
}

/** A bad URL is the caller's mistake (400); a refused or failed target is a 422 with a code. */
function parseUrl(raw: string): URL {
  if (raw.length > MAX_URL_LENGTH) throw new AppError('invalid_request', 'url is too long');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('invalid_request', 'url is not a valid absolute URL', [
      { field: 'querystring.url', message: 'must be an absolute http or https URL' },
    ]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AppError('invalid_request', 'only http and https URLs can be previewed', [
      { field: 'querystring.url', message: 'must be an absolute http or https URL' },
    ]);
  url.hash = '';
  return url;
}

function toAppError(err: UnfurlError): AppError {
  switch (err.reason) {
    case 'blocked':
      return new AppError('url_not_allowed', err.message);
    case 'unreachable':
    case 'not_html':
      return new AppError('unfurl_failed', err.message);
  }
}
