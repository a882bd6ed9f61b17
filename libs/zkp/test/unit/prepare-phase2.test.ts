import { describe, expect, it } from 'vitest';
import { preparedDomains } from '../../src/setup/prepare-phase2.js';

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
