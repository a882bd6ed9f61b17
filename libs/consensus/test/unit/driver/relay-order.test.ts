import { describe, expect, it } from 'vitest';
import { initialState } from '../../../src/state/machine.js';
import type { ConsensusState, RoundState } from '../../../src/state/types.js';
import { relayOrder } from '../../../src/node/relay.js';

// A stalled height is relayed within a budget of frames per tick. Found by the simulator (seed
// 263, 4 members): after twelve rounds of nil votes, a newest-first relay spent its budget on
// them and never reached round 0, whose prevotes were the proof of lock a restarted node needed
// to accept the locked value again; honest nodes waited on each other forever.

const round = (marker: number): RoundState => ({
  proposals: [],
  prevotes: new Map([[`v${marker}`, []]]),
  precommits: new Map(),
  prevoteTimeoutScheduled: false,
  precommitTimeoutScheduled: false,
  validValueUpdated: false,
});

function machineWith(rounds: number[], validRound: number, lockedRound: number): ConsensusState {
  return { ...initialState(1), round: Math.max(...rounds), validRound, lockedRound, rounds: new Map(rounds.map((r) => [r, round(r)])) };
}

const markers = (order: RoundState[]) => order.map((state) => Number([...state.prevotes.keys()][0]!.slice(1)));

describe('the relay order of a stalled height', () => {
  it("puts the valid value's round first, then the lock's, then the newest rounds", () => {
    expect(markers(relayOrder(machineWith([0, 1, 2, 3, 4, 5], 3, 1)))).toEqual([3, 1, 5, 4, 2, 0]);
  });

  it('names a round once when the lock and the valid value share it', () => {
    expect(markers(relayOrder(machineWith([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 0, 0)))).toEqual([0, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('is newest first without a lock or a valid value', () => {
    expect(markers(relayOrder(machineWith([0, 1, 2], -1, -1)))).toEqual([2, 1, 0]);
  });
});
