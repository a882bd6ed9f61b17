import { describe, expect, it } from 'vitest';
import { ceremonyPower, familiesHelp, KNOWN_CIRCUITS, selectCircuits } from '../../src/circuit-selection.js';
import { InvalidCircuitSelectionError } from '../../src/errors.js';

describe('selectCircuits (--circuits)', () => {
  it('takes a family as its production circuits', () => {
    expect(selectCircuits('settlement')).toEqual(['settlement-61', 'settlement-344', 'settlement-1433']);
  });

  it('takes circuit names, one or a comma-separated list, each once, in the order given', () => {
    expect(selectCircuits('settlement-4')).toEqual(['settlement-4']);
    expect(selectCircuits('settlement-16, settlement-4,settlement-16')).toEqual(['settlement-16', 'settlement-4']);
    expect(selectCircuits('settlement-4,settlement')).toEqual(['settlement-4', 'settlement-61', 'settlement-344', 'settlement-1433']);
  });

  it('names the known circuits and families when it does not know one', () => {
    const error = (() => {
      try {
        selectCircuits('settlement-4,settlement-8');
      } catch (caught) {
        return caught as InvalidCircuitSelectionError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error).toBeInstanceOf(InvalidCircuitSelectionError);
    expect(error.message).toBe('--circuits: unknown circuit "settlement-8"');
    expect(error.nextStep).toContain('settlement-4, settlement-16, settlement-61, settlement-344, settlement-1433');
    expect(error.nextStep).toContain('settlement');
    expect(() => selectCircuits('a,b')).toThrow('--circuits: unknown circuits "a", "b"');
    expect(() => selectCircuits('settlement-4,')).toThrow('has an empty name');
    expect(() => selectCircuits('')).toThrow(InvalidCircuitSelectionError);
  });

  it('describes the families for --help', () => {
    expect(familiesHelp()).toBe('settlement (settlement-61, settlement-344, settlement-1433)');
    expect(KNOWN_CIRCUITS).toEqual(['settlement-4', 'settlement-16', 'settlement-61', 'settlement-344', 'settlement-1433']);
  });
});

describe('ceremonyPower', () => {
  it('is the power of tau the largest circuit needs', () => {
    const circuit = (constraints: number) => ({ constraints, publicInputs: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] });
    expect(ceremonyPower([circuit(1_729)])).toBe(11); // settlement-4
    expect(ceremonyPower([circuit(1_729), circuit(11_041)])).toBe(14); // with settlement-64
    expect(ceremonyPower([circuit(2 ** 14 - 8)])).toBe(14); // constraints + public inputs + 1 fit exactly
    expect(ceremonyPower([circuit(2 ** 14 - 7)])).toBe(15);
    expect(() => ceremonyPower([])).toThrow(RangeError);
  });
});
