import { describe, expect, it } from 'vitest';
import { spreadRooms } from '../src/scenarios/send.js';

describe('spreadRooms (REST send memberships)', () => {
  it('gives every sender its own distinct rooms and every room several senders', () => {
    const memberOf = spreadRooms(64, 100, 10);
    expect(memberOf).toHaveLength(64);
    for (const rooms of memberOf) {
      expect(rooms).toHaveLength(10);
      expect(new Set(rooms).size).toBe(10);
    }
    const senders = Array.from({ length: 100 }, (_, r) => memberOf.filter((m) => m.includes(r)));
    for (const s of senders) expect(s.length).toBeGreaterThanOrEqual(6);
    for (const s of senders) expect(s.length).toBeLessThanOrEqual(7);
  });

  it('never gives more rooms than there are', () => {
    expect(spreadRooms(3, 2, 10)).toEqual([
      [0, 1],
      [1, 0],
      [0, 1],
    ]);
  });
});
