/** Date and time labels for the message list (the browser's locale and time zone). */

const dayKeyFormat = new Intl.DateTimeFormat('en-CA', {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  month: 'long',
  day: 'numeric',
});
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

/** A key that is equal for two instants on the same local calendar day. */
export const dayKey = (iso: string): string => dayKeyFormat.format(new Date(iso));

export const timeLabel = (iso: string): string => timeFormat.format(new Date(iso));

export const fullLabel = (iso: string): string => fullFormat.format(new Date(iso));

export function dayLabel(iso: string, now = new Date()): string {
  const key = dayKey(iso);
  if (key === dayKeyFormat.format(now)) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (key === dayKeyFormat.format(yesterday)) return 'Yesterday';
  return dayFormat.format(new Date(iso));
}

/** Two messages by the same author within this window are shown as one group. */
export const GROUP_WINDOW_MS = 5 * 60_000;
