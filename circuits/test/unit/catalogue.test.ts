import { describe, expect, it } from 'vitest';
import { CIRCUITS, circuitDefinition, ptauPowerFor, resolveCircuitNames, UnknownCircuitError } from '../../src/index.js';

describe('circuit catalogue', () => {
  it('resolves a family to its circuits, optionally by purpose', () => {
    expect(resolveCircuitNames('settlement', 'production')).toEqual(['settlement-64', 'settlement-256']);
    expect(resolveCircuitNames('settlement')).toEqual(['settlement-4', 'settlement-16', 'settlement-64', 'settlement-256']);
    expect(resolveCircuitNames('settlement-16')).toEqual(['settlement-16']);
  });

  it('names the known circuits when asked for an unknown one', () => {
    expect(() => circuitDefinition('settlement-7')).toThrow(UnknownCircuitError);
    expect(() => resolveCircuitNames('voting')).toThrow(/known: settlement-4, settlement-16, settlement-64, settlement-256/);
  });

  it('sizes the powers of tau to the smallest domain holding constraints and public inputs', () => {
    expect(ptauPowerFor(1_729, 7)).toBe(11);
    expect(ptauPowerFor(2_040, 7)).toBe(11); // 2040 + 7 + 1 = 2048 fits
    expect(ptauPowerFor(2_041, 7)).toBe(12);
    expect(ptauPowerFor(41_065, 7)).toBe(16);
  });

  it('keeps every circuit on the 4-service rate table', () => {
    for (const circuit of Object.values(CIRCUITS)) expect(circuit.params.serviceBits).toBe(2);
  });
});
