/**
 * Message content rules (API.md "Messages"), enforced in the domain so every transport — REST,
 * WebSocket, anything later — gets the same answer. The result is rebuilt from known fields only,
 * in a fixed key order, which also makes it hashable for idempotency checks.
 */
import { createHash } from 'node:crypto';
import { MAX_TEXT_LENGTH, type Content } from '@parley/protocol';
import { invalid } from '../../errors.js';

const MAX_URL_LENGTH = 2048;
// C0/C1 controls other than tab, newline and carriage return have no place in chat text (and the
// search highlighter uses two of them as match markers).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

type Fields = Record<string, unknown>;

const fail = (field: string, message: string) =>
  invalid(`${field} ${message}`, [{ field, message }]);

/** `{content}` or the shorthand `{text}`: exactly one of them. */
export function contentFromBody(body: { content?: unknown; text?: unknown }, at = ''): Content {
  if (body.content !== undefined && body.text !== undefined)
    throw fail(`${at}content`, 'and text are exclusive; send one');
  if (body.text !== undefined)
    return validateContent({ type: 'text', text: body.text }, `${at}content`);
  if (body.content === undefined) throw fail(`${at}content`, 'is required');
  return validateContent(body.content, `${at}content`);
}

export function validateContent(raw: unknown, at = 'content'): Content {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw fail(at, 'must be an object');
  const c = raw as Fields;
  switch (c.type) {
    case 'text':
      return { type: 'text', text: text(c.text, `${at}.text`, MAX_TEXT_LENGTH, true) };
    case 'image': {
      const image: Content = { type: 'image', url: httpUrl(c.url, `${at}.url`) };
      if (c.width !== undefined) image.width = dimension(c.width, `${at}.width`);
      if (c.height !== undefined) image.height = dimension(c.height, `${at}.height`);
      if (c.alt !== undefined) image.alt = text(c.alt, `${at}.alt`, 1000, false);
      return image;
    }
    case 'video': {
      const video: Content = { type: 'video', url: httpUrl(c.url, `${at}.url`) };
      if (c.source !== undefined) video.source = text(c.source, `${at}.source`, 100, false);
      return video;
    }
    default:
      throw fail(`${at}.type`, 'must be one of text, image, video');
  }
}

function text(value: unknown, field: string, max: number, required: boolean): string {
  if (typeof value !== 'string') throw fail(field, 'must be a string');
  if (required && value.trim() === '') throw fail(field, 'must not be empty');
  // "Characters" are code points: an emoji is one, not two UTF-16 units.
  // (UTF-16 length is an upper bound: only count when it could exceed the limit.)
  if (value.length > max && [...value].length > max)
    throw fail(field, `must be at most ${max} characters`);
  if (CONTROL.test(value)) throw fail(field, 'must not contain control characters');
  return value;
}

function httpUrl(value: unknown, field: string): string {
  if (typeof value !== 'string') throw fail(field, 'must be a string');
  if (value.length > MAX_URL_LENGTH)
    throw fail(field, `must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw fail(field, 'must be an absolute http(s) URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '')
    throw fail(field, 'must be an absolute http(s) URL');
  if (/\s/.test(value)) throw fail(field, 'must not contain whitespace');
  return value;
}

function dimension(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100_000)
    throw fail(field, 'must be an integer from 1 to 100000');
  return value;
}

/** What an idempotency key is bound to: the same key with another request is a conflict. */
export const requestHash = (roomId: string, content: Content, replyTo: string | null): string =>
  createHash('sha256')
    .update(JSON.stringify([roomId, content, replyTo]))
    .digest('base64url');

/** Idempotency keys: 1–255 visible ASCII characters (also WebSocket `client_id`s). */
export function validateIdempotencyKey(key: string, field = 'headers.idempotency-key'): string {
  if (!/^[\x21-\x7e]{1,255}$/.test(key))
    throw fail(field, 'must be 1–255 visible ASCII characters');
  return key;
}

/**
 * What search indexes of a message: its text (or an image's alt text), NFKC-normalised and
 * lower-cased here rather than by the database, whose case mapping depends on its locale.
 */
export function searchText(content: Content): string {
  const raw =
    content.type === 'text' ? content.text : content.type === 'image' ? (content.alt ?? '') : '';
  return foldCase(raw);
}

export const foldCase = (s: string): string => s.normalize('NFKC').toLowerCase();
