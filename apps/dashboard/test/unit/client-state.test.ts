import { describe, expect, it } from 'vitest';
import { CHART_RANGES, CHART_SPECS, type ChartKey, type StreamMessage } from '../../src/protocol.js';
import { CLIENT_LIMITS } from '../../src/client/limits.js';
import { INITIAL_STATE, appendPoint, applyMessage, dismissToast, expireToasts, replaceChart, type ClientState } from '../../src/client/state.js';
import { makeAlert, makeChart, makeSecurityEvent, makeSnapshot, makeTick, memberIds } from '../support/snapshot-fixture.js';

const NOW_MS = Date.UTC(2026, 10, 29, 12, 0, 0);

function withSnapshot(memberCount = 5, range: '10m' | '6h' | '24h' = '10m'): ClientState {
  return applyMessage(INITIAL_STATE, { type: 'snapshot', snapshot: makeSnapshot(memberCount, NOW_MS, range) });
}

describe('applyMessage', () => {
  it('a snapshot replaces the data and counts the message', () => {
    const first = withSnapshot(5);
    const second = applyMessage(first, { type: 'snapshot', snapshot: makeSnapshot(7, NOW_MS + 1_000) });
    expect(second.data?.members).toHaveLength(7);
    expect(second.data?.nowMs).toBe(NOW_MS + 1_000);
    expect(second.applied.snapshot).toBe(2);
  });

  it('a tick before any snapshot changes nothing', () => {
    const tick = makeTick(makeSnapshot(4, NOW_MS), NOW_MS + 1_000);
    expect(applyMessage(INITIAL_STATE, tick)).toBe(INITIAL_STATE);
  });

  it.each([4, 5, 7])('a tick with %i members appends one point to every chart and replaces cards and topology', (members) => {
    const state = withSnapshot(members);
    const tick = makeTick(state.data!, NOW_MS + 1_000, [memberIds(members)[1]!]);
    const next = applyMessage(state, tick);
    for (const key of Object.keys(CHART_SPECS) as ChartKey[]) {
      const before = state.data!.charts[key];
      const after = next.data!.charts[key];
      expect(after.times).toHaveLength(before.times.length + 1);
      expect(after.times.at(-1)).toBe(Math.floor((NOW_MS + 1_000) / 1_000));
      for (const column of after.values) expect(column).toHaveLength(after.times.length);
    }
    expect(next.data!.cards.find((card) => card.member === memberIds(members)[1])?.status).toBe('down');
    expect(next.data!.overall).toBe('degraded');
    expect(next.data!.topology.links.filter((link) => !link.connected).length).toBe(2 * (members - 1));
    // The old state is untouched (the views compare by reference).
    expect(state.data!.cards.every((card) => card.status === 'up')).toBe(true);
  });

  it('twice a span of ticks keeps each chart within the range span (bounded memory)', () => {
    let state = withSnapshot(7);
    const spanPoints = CHART_RANGES['10m'].spanMs / CHART_RANGES['10m'].stepMs;
    for (let second = 1; second <= 2 * spanPoints; second++) state = applyMessage(state, makeTick(state.data!, NOW_MS + second * 1_000));
    const height = state.data!.charts.height;
    expect(height.times.length).toBeLessThanOrEqual(spanPoints + 1);
    expect(height.times.at(-1)! - height.times[0]!).toBeLessThanOrEqual(CHART_RANGES['10m'].spanMs / 1_000);
  });

  it('security events go first in the list, bounded', () => {
    let state = withSnapshot(5);
    const total = CLIENT_LIMITS.securityEventsMax + 10;
    for (let i = 0; i < total; i++) state = applyMessage(state, { type: 'security', event: makeSecurityEvent('Orange-FR', 'auth_failed', NOW_MS + i) });
    expect(state.data!.security).toHaveLength(CLIENT_LIMITS.securityEventsMax);
    expect(state.data!.security[0]!.timeMs).toBe(NOW_MS + total - 1);
  });

  it('a firing alert enters the active list and raises one toast; resolving moves it to history', () => {
    const state = withSnapshot(5);
    const firing = makeAlert('NodeDown', 'firing', NOW_MS, { member: 'Orange-FR' });
    const fired = applyMessage(state, { type: 'alert', alert: firing }, NOW_MS);
    expect(fired.data!.alerts.active.map((alert) => alert.id)).toContain(firing.id);
    // Critical sorts first.
    expect(fired.data!.alerts.active[0]!.rule).toBe('NodeDown');
    expect(fired.toasts).toEqual([expect.objectContaining({ rule: 'NodeDown', alertId: firing.id, shownAtMs: NOW_MS })]);

    const again = applyMessage(fired, { type: 'alert', alert: firing }, NOW_MS + 1_000);
    expect(again.toasts).toHaveLength(1);

    const resolved = applyMessage(again, { type: 'alert', alert: { ...firing, state: 'resolved', resolvedAtMs: NOW_MS + 5_000 } });
    expect(resolved.data!.alerts.active.map((alert) => alert.id)).not.toContain(firing.id);
    expect(resolved.data!.alerts.history[0]).toMatchObject({ id: firing.id, state: 'resolved' });
  });

  it('a pending alert is active but raises no toast', () => {
    const next = applyMessage(withSnapshot(5), { type: 'alert', alert: makeAlert('SlowBlocks', 'pending', NOW_MS) });
    expect(next.data!.alerts.active.some((alert) => alert.rule === 'SlowBlocks')).toBe(true);
    expect(next.toasts).toHaveLength(0);
  });

  it('toasts are bounded, dismissed by id and expire', () => {
    let state = withSnapshot(5);
    for (let i = 0; i < CLIENT_LIMITS.toastsMax + 3; i++) state = applyMessage(state, { type: 'alert', alert: makeAlert(`Rule${i}`, 'firing', NOW_MS) }, NOW_MS + i);
    expect(state.toasts).toHaveLength(CLIENT_LIMITS.toastsMax);
    expect(state.toasts.at(-1)!.rule).toBe(`Rule${CLIENT_LIMITS.toastsMax + 2}`);
    const dismissed = dismissToast(state, state.toasts[0]!.id);
    expect(dismissed.toasts).toHaveLength(CLIENT_LIMITS.toastsMax - 1);
    expect(dismissToast(dismissed, 99_999)).toBe(dismissed);
    expect(expireToasts(state, NOW_MS + CLIENT_LIMITS.toastLifetimeMs + 100).toasts).toHaveLength(0);
  });

  it('a block updates the card height at once and the recent-blocks list, bounded', () => {
    let state = withSnapshot(5);
    const member = state.data!.members[2]!.id;
    const height = state.data!.cards[2]!.height! + 1;
    state = applyMessage(state, { type: 'block', member, height, timeMs: NOW_MS, txs: 3 });
    expect(state.data!.cards[2]!.height).toBe(height);
    expect(state.blocks[0]).toEqual({ member, height, timeMs: NOW_MS, txs: 3 });
    for (let i = 0; i < CLIENT_LIMITS.recentBlocksMax + 5; i++) state = applyMessage(state, { type: 'block', member, height: height + i, timeMs: NOW_MS, txs: 0 });
    expect(state.blocks).toHaveLength(CLIENT_LIMITS.recentBlocksMax);
  });

  it('settlements and zkp messages replace their views', () => {
    const state = withSnapshot(5);
    const settlements = { ...state.data!.settlements, disputes: [] };
    const zkp = { ...state.data!.zkp, proofsByOutcome: { ok: 99 } };
    const messages: StreamMessage[] = [
      { type: 'settlements', settlements },
      { type: 'zkp', zkp },
    ];
    const next = messages.reduce((current, message) => applyMessage(current, message), state);
    expect(next.data!.settlements.disputes).toEqual([]);
    expect(next.data!.zkp.proofsByOutcome).toEqual({ ok: 99 });
  });
});

describe('chart points', () => {
  const members = memberIds(4);
  const end = Math.floor(NOW_MS / 1_000);

  it('at a downsampled range, points within one step replace the newest sample; the next step appends', () => {
    const chart = makeChart('cpu', members, end - (end % 30), '6h', 10);
    const last = chart.times.at(-1)!;
    const within = appendPoint(chart, { time: last + 10, values: [1, 2, 3, 4] }, '6h');
    expect(within.times).toEqual(chart.times);
    expect(within.values.map((column) => column.at(-1))).toEqual([1, 2, 3, 4]);
    const next = appendPoint(within, { time: last + 31, values: [5, 6, 7, 8] }, '6h');
    expect(next.times).toHaveLength(chart.times.length + 1);
    // Dated by the start of its step, like the server's downsampled history.
    expect(next.times.at(-1)).toBe(last + 30);
  });

  it('ignores a point older than the newest or with the wrong number of values', () => {
    const chart = makeChart('cpu', members, end, '10m', 5);
    expect(appendPoint(chart, { time: end - 10, values: [1, 2, 3, 4] }, '10m')).toBe(chart);
    expect(appendPoint(chart, { time: end + 1, values: [1, 2] }, '10m')).toBe(chart);
  });

  it('a replaced chart at a longer range keeps the history by series name and adds the new series empty', () => {
    const current = makeChart('cpu', members, end - (end % 300), '24h', 5);
    const whole = makeChart('cpu', [...members, 'KPN-NL'], end - (end % 300) + 300, '10m', 3);
    const next = replaceChart(current, whole, '24h');
    expect(next.series).toEqual([...members, 'KPN-NL']);
    expect(next.times).toHaveLength(current.times.length + 1);
    expect(next.values[0]!.slice(0, current.times.length)).toEqual(current.values[0]);
    expect(next.values[4]!.slice(0, current.times.length).every((value) => value === null)).toBe(true);
    expect(next.values[4]!.at(-1)).toBe(whole.values[4]!.at(-1));
  });

  it('a replaced chart at the stream range is taken whole', () => {
    const whole = makeChart('cpu', memberIds(5), end, '10m', 5);
    const state = withSnapshot(4);
    const tick = { ...makeTick(state.data!, NOW_MS + 1_000), replaced: { cpu: whole } };
    expect(applyMessage(state, tick).data!.charts.cpu).toEqual(whole);
  });
});
