/**
 * A link's preview card from `GET /api/v1/unfurl`. Results (and failures) are kept per page
 * load, so a link is asked about once. Titles and descriptions are text; the image must be
 * http(s) and is loaded without a referrer.
 */
import type { LinkPreview } from '@parley/client';
import { useEffect, useState } from 'preact/hooks';
import { safeHref } from '../lib/linkify.js';
import { useChat } from './chat-context.js';

const cache = new Map<string, Promise<LinkPreview | null>>();

export function LinkPreviewCard(props: { url: string }) {
  const chat = useChat();
  const [preview, setPreview] = useState<LinkPreview | null>(null);
  useEffect(() => {
    let live = true;
    let pending = cache.get(props.url);
    if (!pending) {
      pending = chat.client.unfurl(props.url).catch(() => null);
      cache.set(props.url, pending);
    }
    void pending.then((p) => live && setPreview(p));
    return () => {
      live = false;
    };
  }, [chat, props.url]);

  if (!preview || (!preview.title && !preview.description)) return null;
  const image = preview.image && /^https?:/.test(preview.image) ? preview.image : null;
  const href = safeHref(props.url) ?? undefined;
  return (
    <aside class="link-preview" aria-label={`Preview of ${preview.title ?? props.url}`}>
      {image && <img src={image} alt="" loading="lazy" referrerpolicy="no-referrer" />}
      <div class="link-preview-text">
        {preview.site_name && <span class="site">{preview.site_name}</span>}
        {preview.title && (
          <a class="title" href={href} target="_blank" rel="noopener noreferrer nofollow">
            {preview.title}
          </a>
        )}
        {preview.description && <p class="description">{preview.description}</p>}
      </div>
    </aside>
  );
}
