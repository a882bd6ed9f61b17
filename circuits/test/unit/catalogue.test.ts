import { describe, expect, it } from 'vitest';
import {
  BATCH_DOMAIN,
  BATCH_LAYOUT,
  CIRCUITS,
  circuitDefinition,
  groth16DomainPower,
  ptauPowerFor,
  RATES_DOMAIN,
  resolveCircuitNames,
  SETTLEMENT_CIRCUIT_VERSION,
  SETTLEMENT_LIMITS,
  UnknownCircuitError,
} from '../../src/index.js';

describe('circuit catalogue', () => {
  it('resolves a family to its circuits, optionally by purpose', () => {
    expect(resolveCircuitNames('settlement', 'production')).toEqual(['settlement-61', 'settlement-344', 'settlement-1433']);
    expect(resolveCircuitNames('settlement')).toEqual(['settlement-4', 'settlement-16', 'settlement-61', 'settlement-344', 'settlement-1433']);
    expect(resolveCircuitNames('settlement-16')).toEqual(['settlement-16']);
  });

  it('names the known circuits when asked for an unknown one', () => {
    expect(() => circuitDefinition('settlement-7')).toThrow(UnknownCircuitError);
    expect(() => resolveCircuitNames('voting')).toThrow(/known: settlement-4, settlement-16, settlement-61, settlement-344, settlement-1433/);
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

  it('names each circuit by its batch size and sizes production circuits for 2^12, 2^14 and 2^16', () => {
    for (const circuit of Object.values(CIRCUITS)) expect(circuit.name).toBe(`settlement-${circuit.params.batchSize}`);
    expect(Object.values(CIRCUITS).map((c) => [c.name, c.domainPower])).toEqual([
      ['settlement-4', 11],
      ['settlement-16', 11],
      ['settlement-61', 12],
      ['settlement-344', 14],
      ['settlement-1433', 16],
    ]);
  });

  it('sizes the Groth16 domain as snarkjs does: 2^k > constraints + public inputs', () => {
    expect(groth16DomainPower(4_087, 8)).toBe(12);
    expect(groth16DomainPower(4_088, 8)).toBe(13); // 4088 + 8 = 4096 needs 2^13
    expect(groth16DomainPower(65_509, 8)).toBe(16); // settlement-1433
  });

  it('packs 7 records of 34 bits (volume 32, service 2) per field element', () => {
    expect(BATCH_LAYOUT.recordBits).toBe(SETTLEMENT_LIMITS.volumeBits + 2);
    expect(BATCH_LAYOUT.recordsPerElement).toBe(7);
    expect(BATCH_LAYOUT.recordBits * BATCH_LAYOUT.recordsPerElement).toBeLessThanOrEqual(253);
  });

  it('tags commitments of circuit v2 with "/2"', () => {
    const text = (tag: bigint) => Buffer.from(tag.toString(16), 'hex').toString('latin1');
    expect(SETTLEMENT_CIRCUIT_VERSION).toBe(2);
    expect(text(BATCH_DOMAIN)).toBe('consortium/batch/2');
    expect(text(RATES_DOMAIN)).toBe('consortium/rates/2');
  });
});
