/**
 * A message's content. Text becomes text nodes and anchors built here from the linkifier's
 * segments (never HTML); the first web link gets a preview card from the server.
 */
import type { Message } from '@parley/client';
import { useMemo } from 'preact/hooks';
import { firstWebLink, linkify, safeHref } from '../lib/linkify.js';
import { LinkPreviewCard } from './link-preview.js';

export function MessageBody(props: { message: Message }) {
  const content = props.message.content;
  if (!content) return null;
  switch (content.type) {
    case 'text':
      return <TextBody text={content.text} />;
    case 'image': {
      const src = safeWeb(content.url);
      return src ? (
        <p class="body">
          <img
            class="inline-image"
            src={src}
            alt={content.alt ?? 'image'}
            loading="lazy"
            referrerpolicy="no-referrer"
          />
        </p>
      ) : null;
    }
    case 'video': {
      const href = safeWeb(content.url);
      return href ? (
        <p class="body">
          <a href={href} target="_blank" rel="noopener noreferrer nofollow">
            Video{content.source ? ` (${content.source})` : ''}: {href}
          </a>
        </p>
      ) : null;
    }
  }
}

function TextBody(props: { text: string }) {
  const segments = useMemo(() => linkify(props.text), [props.text]);
  const preview = firstWebLink(segments);
  return (
    <>
      <p class="body">
        {segments.map((s, i) =>
          s.kind === 'text' ? (
            s.text
          ) : (
            <a
              key={i}
              href={s.href}
              class={`link link-${s.type}`}
              {...(s.type === 'url'
                ? { target: '_blank', rel: 'noopener noreferrer nofollow' }
                : {})}
            >
              {s.text}
            </a>
          ),
        )}
      </p>
      {preview && <LinkPreviewCard url={preview} />}
    </>
  );
}

function safeWeb(raw: string): string | null {
  const href = safeHref(raw);
  return href && /^https?:/.test(href) ? href : null;
}
