/**
 * Colours: one per member (genesis order), told apart with seven members and by people with
 * the common colour-vision deficiencies (Okabe-Ito palette, then two darker tones).
 */
const MEMBER_PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#7a6a00', '#444444'] as const;

export const STATUS_COLOURS = { up: '#2e7d32', healthy: '#2e7d32', degraded: '#ef8f00', down: '#c62828', unknown: '#9e9e9e' } as const;

export const OUTCOME_COLOURS: Readonly<Record<string, string>> = { ok: '#2e7d32', valid: '#2e7d32', failed: '#c62828', invalid: '#c62828', p50: '#0072B2', p95: '#D55E00' };

export function memberColour(members: readonly string[], member: string): string {
  const index = members.indexOf(member);
  return MEMBER_PALETTE[(index === -1 ? members.length : index) % MEMBER_PALETTE.length]!;
}

/** A series' colour: its member's (a name like `Orange-FR` or `Orange-FR p95`), or its outcome's. */
export function seriesColour(members: readonly string[], series: string, index: number): string {
  const member = members.find((id) => series === id || series.startsWith(`${id} `));
  if (member !== undefined) return memberColour(members, member);
  return OUTCOME_COLOURS[series] ?? MEMBER_PALETTE[index % MEMBER_PALETTE.length]!;
}

/** Link colour by round-trip time: green below 10 ms, amber below 50 ms, red above, grey unknown. */
export function rttColour(rttSeconds: number | null): string {
  if (rttSeconds === null) return STATUS_COLOURS.unknown;
  if (rttSeconds < 0.01) return STATUS_COLOURS.up;
  if (rttSeconds < 0.05) return STATUS_COLOURS.degraded;
  return STATUS_COLOURS.down;
}

/** Link width by traffic: 1 px idle, growing with the logarithm of bytes per second, at most 8 px. */
export function trafficWidth(bytesPerSecond: number | null): number {
  if (bytesPerSecond === null || bytesPerSecond <= 0) return 1;
  return Math.min(8, 1 + Math.log10(1 + bytesPerSecond / 100) * 1.5);
}
