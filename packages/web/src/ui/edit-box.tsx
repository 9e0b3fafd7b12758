/** In-place editing of one's own message: Enter saves, Shift+Enter adds a line, Escape cancels. */
import { useEffect, useRef, useState } from 'preact/hooks';

export function EditBox(props: {
  initial: string;
  onSave: (text: string) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState(props.initial);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const save = () => {
    const trimmed = text.trim();
    if (!trimmed || trimmed === props.initial) props.onCancel();
    else props.onSave(trimmed);
  };
  return (
    <div class="edit-box">
      <label class="visually-hidden" for="edit-input">
        Edit message
      </label>
      <textarea
        id="edit-input"
        ref={ref}
        rows={Math.min(8, text.split('\n').length)}
        value={text}
        maxLength={4000}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            props.onCancel();
          } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            save();
          }
        }}
      />
      <div class="edit-actions">
        <span>Enter to save · Escape to cancel</span>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class="primary" onClick={save}>
          Save
        </button>
      </div>
    </div>
  );
}
