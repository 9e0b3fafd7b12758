/**
 * Desktop notifications for mentions and direct messages while the tab is hidden. Permission is
 * asked for on a user gesture (the bell button), never on load. Bodies are plain text.
 */
export const notificationsSupported = (): boolean => typeof Notification !== 'undefined';

export function notificationPermission(): NotificationPermission | 'unsupported' {
  return notificationsSupported() ? Notification.permission : 'unsupported';
}

export async function askNotificationPermission(): Promise<NotificationPermission | 'unsupported'> {
  if (!notificationsSupported()) return 'unsupported';
  return Notification.requestPermission();
}

export function notify(title: string, body: string, tag: string, onClick: () => void): void {
  if (!notificationsSupported() || Notification.permission !== 'granted') return;
  if (document.visibilityState !== 'hidden') return;
  const n = new Notification(title, { body: body.slice(0, 200), tag });
  n.onclick = () => {
    window.focus();
    onClick();
    n.close();
  };
}

/** True when `text` mentions the user as @username (case-insensitive, whole word). */
export function mentions(text: string, username: string): boolean {
  const escaped = username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w@])@${escaped}(?![\\w.-]*\\w)`, 'i').test(text);
}
