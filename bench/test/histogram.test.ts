import { describe, expect, it } from 'vitest';
import { bucketOf, bucketUpperUs, Histogram } from '../src/stats/histogram.js';

describe('Histogram', () => {
  it('is exact below 128 µs and within 1.6% above', () => {
    for (const v of [0, 1, 50, 127]) expect(bucketUpperUs(bucketOf(v))).toBe(v);
    for (const v of [128, 1000, 12_345, 999_999, 60_000_000]) {
      const upper = bucketUpperUs(bucketOf(v));
      expect(upper).toBeGreaterThanOrEqual(v);
      expect((upper - v) / v).toBeLessThan(0.016);
    }
  });

  it('computes percentiles and the exact max over 1..1000 ms', () => {
    const h = new Histogram();
    for (let ms = 1; ms <= 1000; ms++) h.recordMs(ms);
    const s = h.summary();
    expect(s.count).toBe(1000);
    expect(s.mean).toBeCloseTo(500.5, 1);
    expect(s.p50).toBeGreaterThanOrEqual(500);
    expect(s.p50).toBeLessThan(500 * 1.016);
    expect(s.p99).toBeGreaterThanOrEqual(990);
    expect(s.p99).toBeLessThan(990 * 1.016);
    expect(s.max).toBe(1000);
  });

  it('merges snapshots as if every sample had been recorded in one place', () => {
    const a = new Histogram();
    const b = new Histogram();
    const all = new Histogram();
    for (let i = 0; i < 500; i++) {
      const v = (i * 7919) % 3000;
      (i % 2 ? a : b).recordUs(v);
      all.recordUs(v);
    }
    const merged = Histogram.from(a.snapshot(), b.snapshot());
    expect(merged.summary()).toEqual(all.summary());
  });

  it('reports zeros when empty, never NaN', () => {
    expect(new Histogram().summary()).toEqual({
      count: 0,
      mean: 0,
      p50: 0,
      p95: 0,
      p99: 0,
      max: 0,
    });
  });
});
