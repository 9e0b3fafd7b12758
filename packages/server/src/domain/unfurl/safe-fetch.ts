/**
 * Fetches an HTML page for a link preview without letting the server be used to reach its own
 * network (SSRF). For every hop (the first request and each redirect, at most `maxRedirects`):
 * the URL must be http(s) without credentials; the host is resolved and EVERY answer must be a
 * public address (address-policy.ts) unless the host is allow-listed; the connection then goes
 * to that checked address (pinned, so a second DNS answer cannot differ from the one checked),
 * with the original Host header and TLS server name. One deadline covers the whole operation,
 * only text/html (or XHTML) is read, and reading stops at `maxBytes` of decoded body.
 */
import { lookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { isIpLiteral, isPublicAddress, stripBrackets } from './address-policy.js';

export interface FetchPolicy {
  /** Hostnames or IP literals that may be fetched even when they resolve to private addresses. */
  allowHosts: readonly string[];
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

export type UnfurlFailure = 'blocked' | 'unreachable' | 'not_html';

export class UnfurlError extends Error {
  override name = 'UnfurlError';
  constructor(
    readonly reason: UnfurlFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface FetchedPage {
  /** The final URL, after redirects. */
  url: URL;
  html: string;
}

const USER_AGENT = 'ParleyBot/1.0 (link preview)';

export async function fetchPage(start: URL, policy: FetchPolicy): Promise<FetchedPage> {
  const signal = AbortSignal.timeout(policy.timeoutMs);
  const deadline = new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () => reject(new UnfurlError('unreachable', 'timed out')), {
      once: true,
    }),
  );
  deadline.catch(() => undefined); // observed below via Promise.race; avoid an unhandled rejection
  let url = start;
  for (let hop = 0; ; hop++) {
    assertFetchableUrl(url);
    const address = await Promise.race([resolveChecked(url.hostname, policy), deadline]);
    const res = await Promise.race([requestOnce(url, address, signal), deadline]);
    const location = res.headers.location;
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location) {
      res.destroy();
      if (hop >= policy.maxRedirects) throw new UnfurlError('unreachable', 'too many redirects');
      try {
        url = new URL(location, url);
      } catch {
        throw new UnfurlError('unreachable', 'redirect to an invalid URL');
      }
      continue;
    }
    if (!res.statusCode || res.statusCode < 200 || res.statusCode >= 300) {
      res.destroy();
      throw new UnfurlError('unreachable', `the page answered HTTP ${res.statusCode ?? '?'}`);
    }
    const type = parseContentType(res.headers['content-type']);
    if (type.mime !== 'text/html' && type.mime !== 'application/xhtml+xml') {
      res.destroy();
      throw new UnfurlError('not_html', `not an HTML page (${type.mime || 'no content type'})`);
    }
    const body = await Promise.race([readCapped(res, policy.maxBytes), deadline]);
    return { url, html: decode(body, type.charset) };
  }
}

/** http(s) only, no embedded credentials (they would be sent to the target). */
export function assertFetchableUrl(url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UnfurlError('blocked', `only http and https URLs can be previewed`);
  if (url.username || url.password)
    throw new UnfurlError('blocked', 'URLs with credentials cannot be previewed');
}

const isAllowed = (host: string, policy: FetchPolicy) => {
  const h = stripBrackets(host).toLowerCase();
  return policy.allowHosts.some((a) => stripBrackets(a).toLowerCase() === h);
};

/** Resolve and check every answer; returns the address to connect to. */
async function resolveChecked(host: string, policy: FetchPolicy): Promise<string> {
  const allowed = isAllowed(host, policy);
  let addresses: string[];
  if (isIpLiteral(host)) {
    addresses = [stripBrackets(host)];
  } else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw new UnfurlError('unreachable', `cannot resolve ${host}`);
    }
  }
  const first = addresses[0];
  if (!first) throw new UnfurlError('unreachable', `cannot resolve ${host}`);
  if (!allowed && !addresses.every(isPublicAddress))
    throw new UnfurlError('blocked', `${host} is a private, loopback or link-local address`);
  return first;
}

function requestOnce(url: URL, address: string, signal: AbortSignal): Promise<IncomingMessage> {
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request({
      host: address,
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      agent: false, // no pooled sockets: each connection goes to the address checked just now
      signal,
      ...(secure && !isIpLiteral(url.hostname) ? { servername: url.hostname } : {}),
      headers: {
        host: url.host,
        'user-agent': USER_AGENT,
        accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.1',
        'accept-encoding': 'gzip, deflate, br',
      },
    });
    req.once('response', resolve);
    req.once('error', () => reject(new UnfurlError('unreachable', `cannot reach ${url.host}`)));
    req.end();
  });
}

/** Read at most `max` decoded bytes, then stop reading (the rest is never downloaded). */
async function readCapped(res: IncomingMessage, max: number): Promise<Buffer> {
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
  let stream: Readable = res;
  if (encoding === 'gzip' || encoding === 'x-gzip') stream = res.pipe(zlib.createGunzip());
  else if (encoding === 'deflate') stream = res.pipe(zlib.createInflate());
  else if (encoding === 'br') stream = res.pipe(zlib.createBrotliDecompress());
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      chunks.push(buf);
      size += buf.length;
      if (size >= max) break;
    }
  } catch {
    if (size === 0) throw new UnfurlError('unreachable', 'the page could not be read');
  } finally {
    stream.destroy();
    res.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max);
}

function parseContentType(header: string | undefined): { mime: string; charset?: string } {
  const [mime = '', ...params] = (header ?? '').split(';');
  const charset = params
    .map((p) => p.trim().split('='))
    .find(([k]) => k?.toLowerCase() === 'charset')?.[1]
    ?.replace(/"/g, '');
  return { mime: mime.trim().toLowerCase(), charset };
}

function decode(body: Buffer, charset = 'utf-8'): string {
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}
