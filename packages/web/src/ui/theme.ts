/** Dark by default; the choice is a preference, so it lives in localStorage. */
import { theme } from '../state/store.js';

const KEY = 'parley.theme';

export function initTheme(): void {
  const saved = localStorage.getItem(KEY);
  apply(saved === 'light' ? 'light' : 'dark');
}

export function toggleTheme(): void {
  apply(theme.value === 'dark' ? 'light' : 'dark');
}

function apply(value: 'dark' | 'light'): void {
  theme.value = value;
  document.documentElement.dataset.theme = value;
  localStorage.setItem(KEY, value);
}
