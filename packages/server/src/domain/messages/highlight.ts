/**
 * Search highlights, made here rather than with ts_headline (whose case folding follows the
 * database locale, and which drops anything that looks like markup): the words of the query mark
 * every word of the text they are a prefix of, case-insensitively in any script. The result is
 * HTML-escaped text with <mark>…</mark> around matches, cut to a window around the first one.
 */
import { foldCase } from './content.js';

const WORD = /[\p{L}\p{N}]+/gu;
const WINDOW = 160;
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

export function highlight(text: string, query: string): string {
  const terms = [...new Set(foldCase(query).match(WORD) ?? [])];
  const marks: [number, number][] = [];
  for (const m of text.matchAll(WORD)) {
    const word = foldCase(m[0]);
    if (terms.some((t) => word.startsWith(t))) marks.push([m.index, m.index + m[0].length]);
  }
  const first = marks[0]?.[0] ?? 0;
  const start = text.length <= WINDOW ? 0 : Math.max(0, Math.min(first - 40, text.length - WINDOW));
  const end = Math.min(text.length, start + WINDOW);
  let out = start > 0 ? '…' : '';
  let at = start;
  for (const [from, to] of marks) {
    if (to <= start || from >= end) continue;
    const a = Math.max(from, start);
    const b = Math.min(to, end);
    out += `${escapeHtml(text.slice(at, a))}<mark>${escapeHtml(text.slice(a, b))}</mark>`;
    at = b;
  }
  return out + escapeHtml(text.slice(at, end)) + (end < text.length ? '…' : '');
}
