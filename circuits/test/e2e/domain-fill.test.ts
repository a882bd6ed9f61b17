import { beforeAll, describe, expect, it } from 'vitest';
import { checkDomain } from '../../src/build.js';
import { buildCircuit, CircuitBuildError, circuitDefinition, SETTLEMENT_PUBLIC_INPUTS, type BuiltCircuit } from '../../src/index.js';

/**
 * Production sizes fill their power-of-two Groth16 domain: the smallest one (settlement-61,
 * 2^12) is compiled here; the others are measured by the benchmark (docs/benchmarks.md), since
 * compiling them takes tens of seconds. One more record costs the per-record marginal, measured
 * from settlement-4 and -16 (same number of sponge calls), and must not fit. The builds are the
 * shared ones of build/circuits (other tests and the benchmark reuse them).
 */
const built: Record<string, BuiltCircuit> = {};

beforeAll(async () => {
  for (const name of ['settlement-4', 'settlement-16', 'settlement-61']) built[name] = await buildCircuit(name);
}, 900_000);

describe('domain fill', () => {
  it('settlement-61 fits a 2^12 domain, and a 62nd record would not', () => {
    const constraints = (name: string) => built[name]!.manifest.constraints;
    const perRecord = (constraints('settlement-16') - constraints('settlement-4')) / 12;
    expect(perRecord).toBeGreaterThan(35);
    expect(perRecord).toBeLessThan(45);
    const used = constraints('settlement-61') + SETTLEMENT_PUBLIC_INPUTS.length;
    expect(built['settlement-61']!.manifest.domainPower).toBe(12);
    expect(used).toBeLessThan(2 ** 12);
    expect(used + perRecord).toBeGreaterThanOrEqual(2 ** 12);
  });

  it('refuses a circuit that outgrew the domain its catalogue entry sizes it for', () => {
    const definition = circuitDefinition('settlement-61');
    expect(checkDomain(definition, 4_087)).toBe(12);
    expect(() => checkDomain(definition, 4_088)).toThrow(CircuitBuildError);
    expect(() => checkDomain(definition, 4_088)).toThrow('settlement-61 has 4088 constraints and needs a 2^13 domain, but the catalogue sizes it for 2^12');
  });
});
