import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { epochOption, examples, integerOption } from '../../src/commands/options.js';

describe('option parsers', () => {
  it('reads an epoch: a whole number from 1', () => {
    expect(epochOption('1')).toBe(1);
    expect(epochOption('12')).toBe(12);
    for (const bad of ['0', '-1', '1.5', '', ' ', 'one', '1e3', '0x10', '9007199254740993']) expect(() => epochOption(bad), bad).toThrow(InvalidArgumentError);
  });

  it('reads a whole number', () => {
    expect(integerOption('26600')).toBe(26_600);
    expect(() => integerOption('')).toThrow('must be a whole number');
  });

  it('formats examples after the options', () => {
    expect(examples('a', 'b')).toBe('\nExamples:\n  a\n  b\n');
  });
});
