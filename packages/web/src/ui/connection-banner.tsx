/** Says when the realtime connection is not live; sends queue meanwhile and go out on return. */
import { connection } from '../state/store.js';

const TEXT = {
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting… messages you send will be delivered when the connection returns.',
  offline: 'You are offline. Messages you send will be delivered when the connection returns.',
  closed: 'Disconnected. Reload the page to reconnect.',
} as const;

export function ConnectionBanner() {
  const state = connection.value;
  return (
    <div class="connection" data-state={state} role="status" aria-live="polite">
      {state === 'open' ? <span class="visually-hidden">Connected</span> : TEXT[state]}
    </div>
  );
}
