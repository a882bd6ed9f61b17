import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SecurityNotices, type SecurityNotice } from '../../src/security/security-notices.js';

describe('SecurityNotices', () => {
  let told: SecurityNotice[];
  let notices: SecurityNotices;

  beforeEach(() => {
    vi.useFakeTimers();
    told = [];
    notices = new SecurityNotices((notice) => told.push(notice), 250);
  });
  afterEach(() => {
    notices.close();
    vi.useRealTimers();
  });

  it('tells the first event of a quiet kind at once', () => {
    notices.add('auth_failed', 1_000);
    expect(told).toEqual([{ kind: 'auth_failed', count: 1, firstTimeMs: 1_000, lastTimeMs: 1_000 }]);
  });

  it('counts the rest of the window and tells them in one notice when it ends', () => {
    notices.add('auth_failed', 1_000);
    notices.add('auth_failed', 1_050);
    notices.add('auth_failed', 1_100);
    expect(told).toHaveLength(1);
    vi.advanceTimersByTime(250);
    expect(told).toEqual([
      { kind: 'auth_failed', count: 1, firstTimeMs: 1_000, lastTimeMs: 1_000 },
      { kind: 'auth_failed', count: 2, firstTimeMs: 1_050, lastTimeMs: 1_100 },
    ]);
  });

  it('keeps kinds apart', () => {
    notices.add('auth_failed', 1);
    notices.add('rate_limited', 2);
    notices.add('rate_limited', 3);
    vi.advanceTimersByTime(250);
    expect(told.map((notice) => `${notice.kind} ${notice.count}`)).toEqual(['auth_failed 1', 'rate_limited 1', 'rate_limited 1']);
  });

  it('turns a flood into at most one notice per window, losing no count', () => {
    for (let i = 0; i < 10_000; i++) {
      notices.add('rate_limited', i);
      if (i % 10 === 9) vi.advanceTimersByTime(1); // 10,000 events over one second
    }
    vi.advanceTimersByTime(250);
    expect(told.length).toBeLessThanOrEqual(1 + 1_000 / 250 + 1);
    expect(told.reduce((sum, notice) => sum + notice.count, 0)).toBe(10_000);
  });

  it('is quiet again after a window without events: the next event goes out at once', () => {
    notices.add('forbidden', 1);
    vi.advanceTimersByTime(250); // the window ends with nothing pending
    expect(told).toHaveLength(1);
    notices.add('forbidden', 500);
    expect(told).toHaveLength(2);
    expect(told[1]).toEqual({ kind: 'forbidden', count: 1, firstTimeMs: 500, lastTimeMs: 500 });
  });

  it('tells what is pending when closed', () => {
    notices.add('invalid_request', 1);
    notices.add('invalid_request', 2);
    notices.close();
    expect(told.map((notice) => notice.count)).toEqual([1, 1]);
    vi.advanceTimersByTime(1_000);
    expect(told).toHaveLength(2);
  });
});
