/**
 * A reaction is one emoji grapheme (👍, 👩🏽‍💻, 🇫🇷, 1️⃣) or a short `:name:` (custom emoji, Slack
 * style). Normalised to NFC so the same emoji typed two ways counts once.
 */
import { invalid } from '../../errors.js';

const SHORT_NAME = /^:[a-z0-9_+-]{1,32}:$/;
// A grapheme counts as an emoji when it has a pictographic code point, is a flag (regional
// indicators) or a keycap sequence.
const EMOJI_LIKE = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function normalizeEmoji(raw: string): string {
  const emoji = raw.normalize('NFC');
  if (SHORT_NAME.test(emoji)) return emoji;
  const parts = [...graphemes.segment(emoji)];
  if (emoji.length <= 64 && parts.length === 1 && EMOJI_LIKE.test(emoji)) return emoji;
  throw invalid('emoji must be one emoji or a short :name:', [
    { field: 'params.emoji', message: 'must be one emoji or a short :name: ([a-z0-9_+-], ≤ 32)' },
  ]);
}
