import { describe, expect, it } from 'vitest';
import { domainPowerOf, preparedDomains } from '../../src/prepare-phase2.js';

describe('the domain a circuit uses (snarkjs newZKey: the smallest 2^d above constraints + public signals)', () => {
  it.each([
    // settlement-4, -61 and -344 of circuit v2 (8 public signals), and the edges of a domain.
    [1_270, 8, 11],
    [4_081, 8, 12],
    [16_369, 8, 14],
    [2_039, 8, 11],
    [2_040, 8, 12],
    [4_087, 8, 12],
    [4_088, 8, 13],
  ])('%i constraints and %i public signals: 2^%i', (constraints, publicSignals, power) => {
    expect(domainPowerOf(constraints, publicSignals)).toBe(power);
  });
});

describe('the domains prepared', () => {
  it('are each circuit domain, and one more for tau G1 (the H points of newZKey)', () => {
    expect(preparedDomains(12, [12])).toEqual({ tauG1: [12, 13], tauG2: [12], alphaTauG1: [12], betaTauG1: [12] });
  });

  it('cover circuits of several sizes once each, in file order', () => {
    expect(preparedDomains(14, [14, 12, 12])).toEqual({ tauG1: [12, 13, 14, 15], tauG2: [12, 14], alphaTauG1: [12, 14], betaTauG1: [12, 14] });
    expect(preparedDomains(14, [13, 12]).tauG1).toEqual([12, 13, 14]);
  });

  it('refuses a domain the powers of tau do not reach, or none at all', () => {
    expect(() => preparedDomains(11, [12])).toThrow(RangeError);
    expect(() => preparedDomains(11, [-1])).toThrow(RangeError);
    expect(() => preparedDomains(11, [])).toThrow(RangeError);
  });
});
