import { describe, expect, it } from 'vitest';
import { InvalidAmountError, UNKNOWN, formatAge, formatAmount, formatBytes, formatBytesPerSecond, formatClock, formatCount, formatPerSecond, formatRatio, formatSeconds, formatValue, groupDigits } from '../../src/client/format.js';

describe('formatAmount (BigInt only)', () => {
  it.each([
    ['0', 6, '0.00'],
    ['1', 6, '0.000001'],
    ['1500000', 6, '1.50'],
    ['1234567890', 6, '1,234.56789'],
    ['-250000', 6, '-0.25'],
    ['12345', 0, '12,345'],
    ['12345', 2, '123.45'],
    // Past 2^53: a float would lose the last digits.
    ['123456789012345678901234567890', 6, '123,456,789,012,345,678,901,234.56789'],
  ] as const)('%s at %i digits is %s', (minor, digits, expected) => {
    expect(formatAmount(minor, digits)).toBe(expected);
  });

  it.each(['', '1.5', '1e6', ' 12', '0x10', 'NaN', '9'.repeat(79)])('refuses %j with InvalidAmountError', (minor) => {
    expect(() => formatAmount(minor)).toThrow(InvalidAmountError);
  });

  it('refuses a digit count outside 0..18', () => {
    expect(() => formatAmount('1', 19)).toThrow(RangeError);
  });

  it('groups any number of digits', () => {
    expect(groupDigits('1')).toBe('1');
    expect(groupDigits('1234')).toBe('1,234');
    expect(groupDigits('123456')).toBe('123,456');
  });
});

describe('units', () => {
  it.each([
    [0, '0 s'],
    [0.00042, '420 µs'],
    [0.0123, '12.3 ms'],
    [1.25, '1.25 s'],
    [245, '4 min 5 s'],
    [7_380, '2 h 3 min'],
  ])('formatSeconds(%d) = %s', (seconds, expected) => {
    expect(formatSeconds(seconds)).toBe(expected);
  });

  it.each([
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [23.4 * 1024 * 1024, '23.4 MiB'],
    [3 * 1024 ** 4, '3 TiB'],
  ])('formatBytes(%d) = %s', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });

  it('rates, ratios, counts and ages', () => {
    expect(formatPerSecond(12.345)).toBe('12.3/s');
    expect(formatBytesPerSecond(2048)).toBe('2 KiB/s');
    expect(formatRatio(0.456)).toBe('45.6 %');
    expect(formatRatio(1.5)).toBe('150 %');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(-42)).toBe('-42');
    expect(formatCount(1.234)).toBe('1.23');
    expect(formatAge(12.4)).toBe('12 s ago');
    expect(formatClock(Date.UTC(2026, 10, 29, 14, 3, 27))).toBe('14:03:27');
  });

  it('unknown values show a dash', () => {
    for (const format of [formatSeconds, formatBytes, formatPerSecond, formatRatio, formatCount, formatAge]) {
      expect(format(null)).toBe(UNKNOWN);
      expect(format(Number.NaN)).toBe(UNKNOWN);
    }
  });

  it('formatValue dispatches on the chart unit', () => {
    expect(formatValue('seconds', 0.5)).toBe('500 ms');
    expect(formatValue('bytes', 1024)).toBe('1 KiB');
    expect(formatValue('ratio', 0.1)).toBe('10 %');
    expect(formatValue('per_second', 3)).toBe('3/s');
    expect(formatValue('bytes_per_second', 1024)).toBe('1 KiB/s');
    expect(formatValue('count', 7)).toBe('7');
  });
});
