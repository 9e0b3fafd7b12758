import { describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { Outbound, wsTextFrame } from '../src/realtime/outbound.js';

/** What `ws` itself writes for an unmasked text frame: the reference for our pre-built frames. */
function wsReference(payload: Buffer): Buffer {
  const parts = (
    (wsModule as unknown as { Sender: unknown }).Sender as {
      frame(data: Buffer, o: Record<string, unknown>): Buffer[];
    }
  ).frame(payload, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: true });
  return Buffer.concat(parts);
}

describe('wsTextFrame', () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 70_000])(
    'frames a %i-byte payload exactly as ws does',
    (n) => {
      const payload = Buffer.alloc(n, 'x');
      expect(wsTextFrame(payload).equals(wsReference(payload))).toBe(true);
    },
  );

  it('is built once per broadcast and shared by every recipient', () => {
    const frame = Outbound.frame({ type: 'typing', room_id: 'r', user_id: 'u' });
    expect(frame.wsFrame).toBe(frame.wsFrame);
    expect(frame.wsFrame.subarray(2).toString()).toBe(frame.json);
  });
});
