/**
 * Splits message text into plain text and links with Autolinker's parser (URLs, e-mail
 * addresses, phone numbers). It returns data, never HTML: the view renders text nodes and builds
 * anchors itself, and only http(s), mailto: and tel: hrefs survive.
 */
import { Autolinker } from 'autolinker';

export type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'link'; text: string; href: string; type: 'url' | 'email' | 'phone' };

const SAFE_SCHEMES = ['http:', 'https:', 'mailto:', 'tel:'];

export function linkify(text: string): Segment[] {
  const matches = Autolinker.parse(text, {
    urls: { schemeMatches: true, tldMatches: true, ipV4Matches: false },
    email: true,
    phone: true,
    mention: false,
    hashtag: false,
    stripPrefix: false,
  });
  const out: Segment[] = [];
  let at = 0;
  for (const m of matches) {
    const type = m.getType();
    if (type !== 'url' && type !== 'email' && type !== 'phone') continue;
    const offset = m.getOffset();
    const matched = m.getMatchedText();
    // The parser also understands HTML; offsets still point into the raw text we render.
    if (offset < at || text.slice(offset, offset + matched.length) !== matched) continue;
    const href = safeHref(m.getAnchorHref());
    if (!href) continue;
    if (offset > at) out.push({ kind: 'text', text: text.slice(at, offset) });
    out.push({ kind: 'link', text: matched, href, type });
    at = offset + matched.length;
  }
  if (at < text.length) out.push({ kind: 'text', text: text.slice(at) });
  return out;
}

export function safeHref(raw: string): string | null {
  try {
    const url = new URL(raw);
    return SAFE_SCHEMES.includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** The first http(s) link of a text, for its preview card. */
export function firstWebLink(segments: Segment[]): string | null {
  for (const s of segments) if (s.kind === 'link' && s.type === 'url') return s.href;
  return null;
}
