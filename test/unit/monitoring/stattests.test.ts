/**
 * The drift statistics against values computed with scipy 1.17.1 (the library Evidently calls)
 * on small hand-made samples; each expected value below is scipy's output, stated with the call.
 */
import { chiSquareDriftPValue, chiSquareTest } from '../../../lambda/monitoring/stattests/chi-square';
import { jensenShannonDistance, jensenShannonDrift } from '../../../lambda/monitoring/stattests/jensen-shannon';
import { ksAsymptoticPValue, ksExactPValue, ksStatistic, ksTest } from '../../../lambda/monitoring/stattests/kolmogorov-smirnov';
import { normedWassersteinDistance, wassersteinDistance } from '../../../lambda/monitoring/stattests/wasserstein';
import { proportionZTestPValue } from '../../../lambda/monitoring/stattests/z-test';

const A = [0.61, 1.2, 1.9, 2.4, 3.3, 3.9, 4.8, 5.1, 6.6, 7.2];
const B = [2.2, 3.1, 3.4, 4.5, 5.9, 6.1, 7.7, 8.3, 9.0, 9.4, 10.2, 11.5];

describe('Kolmogorov–Smirnov', () => {
  it('gives scipy ks_2samp([1,2,3],[4,5,6]) = (1.0, 0.1) with the exact p-value', () => {
    expect(ksTest([1, 2, 3], [4, 5, 6])).toEqual({ statistic: 1, pValue: expect.closeTo(0.1, 12), pValueMethod: 'exact' });
  });

  it('gives scipy ks_2samp(A, B) = (0.5, 0.09270296267200293) on samples of unequal size', () => {
    const result = ksTest(A, B);
    expect(result.statistic).toBeCloseTo(0.5, 12);
    expect(result.pValue).toBeCloseTo(0.09270296267200293, 12);
  });

  it('counts ties once: a value in both samples moves both distribution functions together', () => {
    expect(ksStatistic([1, 2, 2, 3], [2, 2, 2, 2])).toBeCloseTo(0.25, 12);
    expect(ksExactPValue(0, 4, 4)).toBe(1);
  });

  it('matches scipy kstwobign.sf at λ = 1.0, 1.5 and 0.5 for the asymptotic p-value', () => {
    // λ = √(n1·n2/(n1+n2))·D; with n1 = n2 = 200, √100 = 10, so D = λ/10.
    expect(ksAsymptoticPValue(0.1, 200, 200)).toBeCloseTo(0.26999967167735456, 10);
    expect(ksAsymptoticPValue(0.15, 200, 200)).toBeCloseTo(0.022217962616525127, 10);
    expect(ksAsymptoticPValue(0.05, 200, 200)).toBeCloseTo(0.9639452436648751, 10);
  });

  it('switches to the asymptotic p-value above 2,000,000 lattice cells (a 1,000-row reference against 2,001 rows)', () => {
    expect(ksTest([1, 2], [1.5, 3], 1_000, 2_001).pValueMethod).toBe('asymptotic');
    expect(ksTest([1, 2], [1.5, 3], 1_000, 2_000).pValueMethod).toBe('exact');
  });

  it('has exact and asymptotic p-values that agree to 0.01 where both apply (D = 0.06, 1,000 by 2,000 rows)', () => {
    expect(Math.abs(ksExactPValue(0.06, 1_000, 2_000) - ksAsymptoticPValue(0.06, 1_000, 2_000))).toBeLessThan(0.01);
  });
});

describe('chi-squared', () => {
  it('gives scipy chisquare([16,18,16,14,12,12], [16,16,16,16,16,8]) = (3.5, 0.6233876277495822)', () => {
    const result = chiSquareTest([16, 18, 16, 14, 12, 12], [16, 16, 16, 16, 16, 8]);
    expect(result.statistic).toBeCloseTo(3.5, 12);
    expect(result.pValue).toBeCloseTo(0.6233876277495822, 9);
  });

  it('scales reference counts to the current total as Evidently does: chisquare([30,30,30],[45,27,18]) p = 0.0012726338013398094', () => {
    const reference = new Map([
      ['1', 50],
      ['2', 30],
      ['3', 20],
    ]);
    const current = new Map([
      ['1', 30],
      ['2', 30],
      ['3', 30],
    ]);
    expect(chiSquareDriftPValue(reference, current)).toBeCloseTo(0.0012726338013398094, 9);
  });

  it('gives p = 0 when the current data has a category the reference never saw', () => {
    expect(
      chiSquareDriftPValue(
        new Map([
          ['1', 5],
          ['2', 5],
          ['3', 5],
        ]),
        new Map([
          ['1', 5],
          ['2', 5],
          ['4', 5],
        ]),
      ),
    ).toBe(0);
  });
});

describe('Jensen–Shannon distance', () => {
  it('gives scipy jensenshannon([1,0],[0.5,0.5]) = 0.464501404022459 and ([10,20,30,0],[5,25,20,10]) = 0.27486504029900555', () => {
    expect(jensenShannonDistance([1, 0], [0.5, 0.5])).toBeCloseTo(0.464501404022459, 12);
    expect(jensenShannonDistance([10, 20, 30, 0], [5, 25, 20, 10])).toBeCloseTo(0.27486504029900555, 12);
  });

  it('compares category counts over the union of both sides', () => {
    const reference = new Map([
      ['a', 10],
      ['b', 20],
      ['c', 30],
    ]);
    const current = new Map([
      ['a', 5],
      ['b', 25],
      ['c', 20],
      ['d', 10],
    ]);
    expect(jensenShannonDrift(reference, current)).toBeCloseTo(0.27486504029900555, 12);
  });
});

describe('Wasserstein distance', () => {
  it('gives scipy wasserstein_distance([0,1,3],[5,6,8]) = 5 and ([3.4,3.9,7.5,7.8],[1.4,4.5]) = 2.7', () => {
    expect(wassersteinDistance([0, 1, 3], [5, 6, 8])).toBeCloseTo(5, 12);
    expect(wassersteinDistance([3.4, 3.9, 7.5, 7.8], [1.4, 4.5])).toBeCloseTo(2.7, 12);
  });

  it('norms by the reference population std: wasserstein_distance(A, B) / np.std(A) = 1.4530082846997234', () => {
    const std = 2.1156107865106; // np.std(A)
    expect(normedWassersteinDistance(A, B, std)).toBeCloseTo(1.4530082846997234, 10);
  });
});

describe('two-proportion z-test', () => {
  it('gives the p-value of Evidently z_stat_test for 30/70 against 45/55: 0.02845973691631065', () => {
    expect(
      proportionZTestPValue(
        new Map([
          ['a', 30],
          ['b', 70],
        ]),
        new Map([
          ['a', 45],
          ['b', 55],
        ]),
      ),
    ).toBeCloseTo(0.02845973691631065, 9);
  });

  it('gives p = 1 when both sides hold the same single value', () => {
    expect(proportionZTestPValue(new Map([['a', 3]]), new Map([['a', 9]]))).toBe(1);
  });
});
