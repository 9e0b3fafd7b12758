import { describe, expect, it } from 'vitest';
import { encodeMarker, findMarker } from '../src/lib/marker.js';
import { addTallies, ArrivalSpread, DeliveryLedger } from '../src/stats/delivery-ledger.js';

describe('DeliveryLedger', () => {
  it('counts lost, duplicated and foreign deliveries per connection', () => {
    const ledger = new DeliveryLedger(10);
    const a = ledger.addConnection(0);
    const b = ledger.addConnection(0);
    const c = ledger.addConnection(1);
    for (const k of [0, 1, 2, 2, 3]) ledger.record(a, 0, k); // 3 twice
    for (const k of [0, 2, 3]) ledger.record(b, 0, k); // 1 missing
    ledger.record(c, 0, 0); // a frame of another room
    ledger.record(c, 1, 0);
    ledger.record(c, 1, 5); // never sent (only 1 was)
    expect(ledger.tally([4, 1])).toEqual({
      expected: 9,
      delivered: 8,
      lost: 1,
      duplicated: 1,
      foreign: 2,
    });
  });

  it('tracks contiguous progress for flow control and resets between phases', () => {
    const ledger = new DeliveryLedger(5);
    const a = ledger.addConnection(0);
    const b = ledger.addConnection(0);
    ledger.record(a, 0, 0);
    ledger.record(a, 0, 1);
    ledger.record(b, 0, 1);
    expect(ledger.minProgress(0)).toBe(0);
    ledger.record(b, 0, 0);
    expect(ledger.minProgress(0)).toBe(2);
    ledger.reset();
    expect(ledger.minProgress(0)).toBe(0);
    expect(ledger.tally([0]).delivered).toBe(0);
  });

  it('adds tallies from several workers', () => {
    const one = { expected: 2, delivered: 1, lost: 1, duplicated: 0, foreign: 0 };
    expect(addTallies(one, one)).toEqual({
      expected: 4,
      delivered: 2,
      lost: 2,
      duplicated: 0,
      foreign: 0,
    });
  });
});

describe('ArrivalSpread', () => {
  it('keeps the latest arrival per message and merges by maximum', () => {
    const s = new ArrivalSpread(1, 3);
    s.record(0, 0, 5);
    s.record(0, 0, 3);
    s.record(0, 1, 7);
    const merged = ArrivalSpread.merge(s.latest, [[4, 9, 1]]);
    expect(merged).toEqual([[5, 9, 1]]);
  });
});

describe('markers', () => {
  it('round-trips through text and bytes, inside a JSON frame', () => {
    const m = { phase: 'ab12', room: 7, k: 42, t0: 1_780_000_000_123.456 };
    const frame = JSON.stringify({
      type: 'event',
      data: { content: { text: `${encodeMarker(m)}xxxx` } },
    });
    expect(findMarker(frame)).toEqual(m);
    expect(findMarker(Buffer.from(frame))).toEqual(m);
    expect(findMarker('{"type":"pong"}')).toBeUndefined();
    expect(findMarker('bench:x:notanumber:1:2:')).toBeUndefined();
  });
});
