import { describe, expect, it } from 'vitest';
import { bucketOf, LATENCY_BOUNDS_MS, quantileOf } from './latency-histogram.ts';

const countsOf = (values: number[]) => {
  const counts = new Array(LATENCY_BOUNDS_MS.length + 1).fill(0);
  for (const v of values) counts[bucketOf(v)]++;
  return counts;
};

describe('latency histogram', () => {
  it('puts a value in the first bucket whose bound holds it', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(10)).toBe(0);
    expect(bucketOf(11)).toBe(1);
    expect(bucketOf(120_000)).toBe(LATENCY_BOUNDS_MS.length);
  });

  it('interpolates quantiles inside the bucket, as histogram_quantile does', () => {
    // 100 values in (100, 250]: the median sits halfway through that bucket.
    expect(quantileOf(countsOf(new Array(100).fill(200)), 0.5)).toBe(175);
    const mixed = countsOf([...new Array(90).fill(5), ...new Array(10).fill(4000)]);
    expect(quantileOf(mixed, 0.5)).toBeLessThanOrEqual(10);
    expect(quantileOf(mixed, 0.95)).toBeGreaterThan(2500);
    expect(quantileOf(mixed, 0.95)).toBeLessThanOrEqual(5000);
  });

  it('knows nothing of an empty histogram, and only "more than the last bound" above it', () => {
    expect(quantileOf(countsOf([]), 0.5)).toBeUndefined();
    expect(quantileOf(countsOf([90_000]), 0.5)).toBe(60_000);
  });
});
