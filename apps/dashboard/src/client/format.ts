/**
 * How the client writes numbers: units (seconds, bytes, per second) and amounts. Pure, so the
 * unit tests pin every case. Amounts are decimal strings of integer minor units and are formatted
 * with BigInt only: a float never touches money, not even on screen.
 */
import type { ChartUnit } from '../protocol.js';

/** Shown where a value is not known (a down node, no sample yet). */
export const UNKNOWN = '–';

/** An amount that is not a decimal string of an integer: the server sent something it must not. */
export class InvalidAmountError extends Error {
  override readonly name = 'InvalidAmountError';
  constructor(readonly amount: string) {
    super(`not an amount in minor units: ${JSON.stringify(amount.slice(0, 40))}`);
  }
}

/**
 * Digits of minor units per major unit the settlement views show. The chain is currency-agnostic
 * (integer minor units); the devnet's agreements price in micro-euros (tools/src/traffic/plan.ts),
 * the usual precision for per-record roaming amounts (DOMAIN.md: milli-cent or micro-SDR).
 */
export const AMOUNT_MINOR_DIGITS = 6;

const AMOUNT_PATTERN = /^-?[0-9]{1,78}$/;

/** `"1234567890"` at 6 digits -> `"1,234.56789"`: grouped major part, fraction without trailing zeros but at least two digits. */
export function formatAmount(minor: string, minorDigits = AMOUNT_MINOR_DIGITS): string {
  if (!AMOUNT_PATTERN.test(minor)) throw new InvalidAmountError(minor);
  if (!Number.isInteger(minorDigits) || minorDigits < 0 || minorDigits > 18) throw new RangeError(`minorDigits must be an integer 0..18, got ${minorDigits}`);
  const value = BigInt(minor);
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const scale = 10n ** BigInt(minorDigits);
  const major = groupDigits((magnitude / scale).toString());
  const sign = negative ? '-' : '';
  if (minorDigits === 0) return `${sign}${major}`;
  let fraction = (magnitude % scale).toString().padStart(minorDigits, '0');
  const keep = Math.min(2, minorDigits);
  while (fraction.length > keep && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${sign}${major}.${fraction}`;
}

/** Thousands separators on a string of digits (no float: works for any length). */
export function groupDigits(digits: string): string {
  const parts: string[] = [];
  for (let end = digits.length; end > 0; end -= 3) parts.unshift(digits.slice(Math.max(0, end - 3), end));
  return parts.join(',');
}

/** A count: an integer with separators, or one decimal below 10 for a non-integer. */
export function formatCount(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return UNKNOWN;
  if (Number.isInteger(value)) return `${value < 0 ? '-' : ''}${groupDigits(Math.abs(value).toString())}`;
  return Math.abs(value) < 10 ? value.toFixed(2) : formatCount(Math.round(value));
}

/** Seconds from microseconds to hours: `850 µs`, `12.3 ms`, `1.25 s`, `4 min 5 s`, `2 h 3 min`. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return UNKNOWN;
  const sign = seconds < 0 ? '-' : '';
  const s = Math.abs(seconds);
  if (s === 0) return '0 s';
  if (s < 1e-3) return `${sign}${trim(s * 1e6)} µs`;
  if (s < 1) return `${sign}${trim(s * 1e3)} ms`;
  if (s < 60) return `${sign}${trim(s)} s`;
  if (s < 3_600) return `${sign}${Math.floor(s / 60)} min ${Math.floor(s % 60)} s`;
  return `${sign}${Math.floor(s / 3_600)} h ${Math.floor((s % 3_600) / 60)} min`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Bytes in binary units: `512 B`, `1.5 KiB`, `23.4 MiB`. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return UNKNOWN;
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${sign}${unit === 0 ? Math.round(value) : trim(value)} ${BYTE_UNITS[unit]}`;
}

export function formatPerSecond(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return UNKNOWN;
  return `${trim(value)}/s`;
}

export function formatBytesPerSecond(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return UNKNOWN;
  return `${formatBytes(value)}/s`;
}

/** A ratio as a percentage (CPU: the share of one core, so 1.5 is `150 %`). */
export function formatRatio(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return UNKNOWN;
  return `${trim(ratio * 100)} %`;
}

export function formatValue(unit: ChartUnit, value: number | null): string {
  switch (unit) {
    case 'count':
      return formatCount(value);
    case 'seconds':
      return formatSeconds(value);
    case 'bytes':
      return formatBytes(value);
    case 'ratio':
      return formatRatio(value);
    case 'per_second':
      return formatPerSecond(value);
    case 'bytes_per_second':
      return formatBytesPerSecond(value);
  }
}

/** An age in seconds as `12 s ago`. */
export function formatAge(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return UNKNOWN;
  return `${formatSeconds(Math.max(0, Math.round(seconds)))} ago`;
}

/** A time of day in UTC, `14:03:27`, as the operators' logs and Prometheus show it. */
export function formatClock(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(11, 19);
}

/** Date and time in UTC, `2026-11-29 14:03:27`. */
export function formatDateTime(timeMs: number): string {
  const iso = new Date(timeMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** A sha256 (or any long hex) cut to its first 12 digits, `0781f2f96ce2…`: enough to tell files apart at a glance. */
export function shortHash(hex: string): string {
  return hex.length <= 12 ? hex : `${hex.slice(0, 12)}…`;
}

/** Three significant digits, no trailing zeros: 1.5, 12.3, 123, 1234. */
function trim(value: number): string {
  if (value >= 100) return Math.round(value).toString();
  return Number(value.toPrecision(3)).toString();
}
