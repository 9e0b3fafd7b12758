/**
 * Extracts a link preview from an HTML document with a real HTML parser (htmlparser2, which
 * decodes entities and copes with malformed markup): Open Graph first, then Twitter cards, then
 * `<title>` and `<meta name="description">`. Values are plain text; the caller never treats them
 * as HTML. Relative image URLs are resolved against the page URL; only http(s) images are kept.
 */
import { Parser } from 'htmlparser2';

export interface PageMeta {
  title: string | null;
  description: string | null;
  image: string | null;
  site_name: string | null;
}

const MAX_TITLE = 300;
const MAX_DESCRIPTION = 1000;
const MAX_SITE_NAME = 100;

export function extractMeta(html: string, pageUrl: URL): PageMeta {
  const meta = new Map<string, string>();
  let title = '';
  let inTitle = false;
  let titleDone = false;
  // SVG has its own <title> elements; only the document's counts.
  let foreignDepth = 0;

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (name === 'svg' || name === 'math') foreignDepth++;
        if (name === 'title' && foreignDepth === 0 && !titleDone) inTitle = true;
        if (name === 'meta') {
          const key = (attribs.property ?? attribs.name ?? '').trim().toLowerCase();
          const content = attribs.content;
          // The first occurrence wins, as Open Graph consumers do.
          if (key && content !== undefined && !meta.has(key)) meta.set(key, content);
        }
      },
      ontext(text) {
        if (inTitle) title += text;
      },
      onclosetag(name) {
        if (name === 'svg' || name === 'math') foreignDepth = Math.max(0, foreignDepth - 1);
        if (name === 'title' && inTitle) {
          inTitle = false;
          titleDone = true;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();

  const pick = (...keys: string[]) => {
    for (const k of keys) {
      const v = clean(meta.get(k));
      if (v) return v;
    }
    return null;
  };
  const image = pick(
    'og:image:secure_url',
    'og:image',
    'og:image:url',
    'twitter:image',
    'twitter:image:src',
  );
  return {
    title: truncate(pick('og:title', 'twitter:title') ?? clean(title), MAX_TITLE),
    description: truncate(
      pick('og:description', 'twitter:description', 'description'),
      MAX_DESCRIPTION,
    ),
    image: image ? httpUrl(image, pageUrl) : null,
    site_name: truncate(pick('og:site_name', 'application-name'), MAX_SITE_NAME),
  };
}

function clean(value: string | undefined): string | null {
  const v = value?.replace(/\s+/g, ' ').trim();
  return v ? v : null;
}

function truncate(value: string | null, max: number): string | null {
  if (value === null || value.length <= max) return value;
  return `${[...value].slice(0, max - 1).join('')}…`;
}

function httpUrl(raw: string, base: URL): string | null {
  try {
    const url = new URL(raw, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
