/** Room name and topic rules, shared by create and rename. */
import { invalid } from '../../errors.js';

export const DEFAULT_ROOM_NAME = 'general';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function validateRoomName(raw: string, field = 'name'): string {
  const name = raw.normalize('NFC');
  if (name.trim() !== name || name === '' || [...name].length > 80 || CONTROL.test(name))
    throw invalid(`${field} must be 1–80 characters without control characters or outer spaces`, [
      { field, message: 'must be 1–80 characters, no control characters or outer spaces' },
    ]);
  return name;
}

export function validateTopic(raw: string, field = 'topic'): string {
  // eslint-disable-next-line no-control-regex
  if ([...raw].length > 500 || /[\u0000-\u0008\u000b-\u001f\u007f]/.test(raw))
    throw invalid(`${field} must be at most 500 characters without control characters`, [
      { field, message: 'must be at most 500 characters, no control characters' },
    ]);
  return raw;
}
