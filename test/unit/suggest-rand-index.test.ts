import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, labelsOf } from '../../src/analyzers/suggest/rand-index.js';

const labels = (xs: readonly (string | number)[]) => new Map(xs.map((x, i) => [`i${i}`, String(x)]));

describe('adjusted Rand index', () => {
  it('matches known values (scikit-learn adjusted_rand_score)', () => {
    expect(adjustedRandIndex(labels([0, 0, 1, 1]), labels([0, 0, 1, 1]))).toBe(1);
    expect(adjustedRandIndex(labels([0, 0, 1, 1]), labels([1, 1, 0, 0]))).toBe(1);
    expect(adjustedRandIndex(labels([0, 0, 1, 2]), labels([0, 0, 1, 1]))).toBeCloseTo(0.5714285714285715, 12);
    expect(adjustedRandIndex(labels([0, 0, 1, 1]), labels([0, 1, 0, 1]))).toBeCloseTo(-0.5, 12);
    expect(adjustedRandIndex(labels([0, 0, 0, 0]), labels([0, 1, 2, 3]))).toBe(0);
    // By hand: pair counts in cells 1+0+1+0+3 = 5, rows 3·3 = 9, columns 1+3+6 = 10, C(9,2) = 36;
    // expected 9·10/36 = 2.5, max (9+10)/2 = 9.5, so (5-2.5)/(9.5-2.5) = 5/14.
    expect(adjustedRandIndex(labels([0, 0, 0, 1, 1, 1, 2, 2, 2]), labels([0, 0, 1, 1, 1, 2, 2, 2, 2]))).toBeCloseTo(5 / 14, 12);
  });

  it('ignores items only one side labels, and builds labels from groups', () => {
    const a = labelsOf(Object.entries({ x: ['t1', 't2'], y: ['t3', 't4'] }));
    const b = labelsOf([['p', ['t1', 't2', 'extra']], ['q', ['t3', 't4']]]);
    expect(a.get('t3')).toBe('y');
    expect(adjustedRandIndex(a, b)).toBe(1);
  });
});
