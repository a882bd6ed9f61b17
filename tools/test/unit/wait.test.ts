import { describe, expect, it } from 'vitest';
import { waitFor, WaitTimeoutError } from '../../src/devnet/wait.js';

describe('waitFor', () => {
  it('returns as soon as the condition holds', async () => {
    let polls = 0;
    await waitFor('three polls', () => ++polls === 3, 5_000, 1);
    expect(polls).toBe(3);
  });

  it('times out with what it waited for and what it saw last', async () => {
    let polls = 0;
    const error = await waitFor('the answer', () => ({ done: false, seen: `poll ${++polls}` }), 30, 5).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).lastSeen).toBe(`poll ${polls}`);
    expect((error as Error).message).toBe(`timed out after 30 ms waiting for: the answer; last seen: poll ${polls}`);
  });

  it('says only what it waited for when the condition reports nothing', async () => {
    await expect(waitFor('nothing', () => false, 10, 2)).rejects.toThrow(/^timed out after 10 ms waiting for: nothing$/);
  });

  it('stops at once when the check throws', async () => {
    let polls = 0;
    const gone = new Error('the process exited');
    await expect(
      waitFor('never', () => {
        polls += 1;
        throw gone;
      }, 5_000, 1),
    ).rejects.toBe(gone);
    expect(polls).toBe(1);
  });
});
