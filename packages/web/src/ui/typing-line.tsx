/** "Alice is typing…" for the open room. */
import { typing, users } from '../state/store.js';

export function TypingLine(props: { roomId: string }) {
  const who = [...(typing.value.get(props.roomId)?.keys() ?? [])].map(
    (id) => users.value.get(id)?.display_name ?? 'Someone',
  );
  let text = '';
  if (who.length === 1) text = `${who[0]} is typing…`;
  else if (who.length === 2) text = `${who[0]} and ${who[1]} are typing…`;
  else if (who.length > 2) text = 'Several people are typing…';
  return (
    <div class="typing-line" aria-live="polite">
      {text}
    </div>
  );
}
