import { describe, expect, it } from 'vitest';
import { UnansweredStatements } from '../../src/app/unanswered-statements.js';
import type { StatementRecord } from '../../src/state/records.js';
import type { StatementState } from '../../src/domain/types.js';

/** Only the fields the index reads; the rest of a statement record does not matter to it. */
const record = (id: string, state: StatementState, proposedTimeMs: number) => ({ id, state, proposedTimeMs }) as StatementRecord;

describe('the index of unanswered statements', () => {
  it('keeps the oldest proposed statement first as they are proposed and answered', () => {
    const index = new UnansweredStatements();
    expect(index.oldestAgeMs(1_000)).toBe(0);
    index.changed(undefined, record('a', 'proposed', 100));
    index.changed(undefined, record('b', 'proposed', 200));
    expect(index.oldestAgeMs(1_000)).toBe(900);
    index.changed(record('a', 'proposed', 100), record('a', 'accepted', 100));
    expect(index.oldestAgeMs(1_000)).toBe(800);
    index.changed(record('b', 'proposed', 200), record('b', 'disputed', 200));
    expect([index.size, index.oldestAgeMs(1_000)]).toEqual([0, 0]);
  });

  it('orders a loaded state by proposal time, whatever the order it is read in', () => {
    const index = new UnansweredStatements();
    index.reset([record('late', 'proposed', 500), record('done', 'accepted', 10), record('early', 'proposed', 300)]);
    expect([index.size, index.oldestAgeMs(1_000)]).toEqual([2, 700]);
    // A statement older than the newest one entering (not seen on a chain, whose block times rise) still comes first.
    index.changed(undefined, record('older', 'proposed', 100));
    expect(index.oldestAgeMs(1_000)).toBe(900);
  });

  it('never shows a negative age for a block older than the proposal', () => {
    const index = new UnansweredStatements();
    index.changed(undefined, record('a', 'proposed', 5_000));
    expect(index.oldestAgeMs(4_000)).toBe(0);
  });
});
