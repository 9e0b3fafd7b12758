/** Reaction chips (toggle on click) and a small picker of common emoji. */
import type { Message } from '@parley/client';
import { useEffect, useRef } from 'preact/hooks';

const COMMON = ['👍', '❤️', '😂', '🎉', '😮', '👀', '🙏', '✅'];

export function Reactions(props: { message: Message; onToggle: (emoji: string) => void }) {
  const list = props.message.reactions.filter((r) => r.count > 0);
  if (list.length === 0) return null;
  return (
    <div class="reactions">
      {list.map((r) => (
        <button
          key={r.emoji}
          type="button"
          class={r.me ? 'reaction mine' : 'reaction'}
          aria-pressed={r.me}
          aria-label={`${r.emoji} ${r.count} ${r.count === 1 ? 'reaction' : 'reactions'}${r.me ? ', including yours' : ''}`}
          onClick={() => props.onToggle(r.emoji)}
        >
          <span aria-hidden="true">{r.emoji}</span> <span aria-hidden="true">{r.count}</span>
        </button>
      ))}
    </div>
  );
}

export function ReactionPicker(props: { onPick: (emoji: string) => void; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
  }, []);
  return (
    <div
      ref={ref}
      class="reaction-picker"
      role="group"
      aria-label="Pick a reaction"
      onKeyDown={(e) => e.key === 'Escape' && props.onClose()}
    >
      {COMMON.map((emoji) => (
        <button
          key={emoji}
          type="button"
          aria-label={`React with ${emoji}`}
          onClick={() => props.onPick(emoji)}
        >
          {emoji}
        </button>
      ))}
    </div>
  );
}
