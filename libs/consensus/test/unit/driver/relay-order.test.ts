import { describe, expect, it } from 'vitest';
import { initialState } from '../../../src/state/machine.js';
import type { BlockValue, ConsensusState, ReceivedProposal, RoundState } from '../../../src/state/types.js';
import type { Block, SignedVote } from '../../../src/types.js';
import { Relay, relayOrder } from '../../../src/node/relay.js';
import { decodeConsensusMessage, type ConsensusMessage } from '../../../src/node/wire.js';

// A stalled height is relayed within a budget of frames and bytes per tick, which cannot carry
// everything of a height stalled for many rounds. The simulator found two orders wanting:
// newest first never reached round 0 after a dozen nil rounds, whose prevotes were the proof of
// lock a restarted node needed (seed 263, 4 members); the lock's round first spent each tick on
// a Byzantine member's large proposals held there (seed 98, 4 members).

const hash = (byte: number) => new Uint8Array(32).fill(byte);
const value = (byte: number): BlockValue => ({ hash: hash(byte), block: { header: { height: 1 } } as unknown as Block });
const vote = (type: 'prevote' | 'precommit', round: number, validator: string, byte: number | null): SignedVote => ({
  type,
  height: 1,
  round,
  validator,
  blockHash: byte === null ? null : hash(byte),
  signature: new Uint8Array(64),
});
const proposal = (round: number, proposer: string, byte: number): ReceivedProposal => ({
  proposal: { height: 1, round, polRound: -1, proposer, blockHash: hash(byte), signature: new Uint8Array(64) },
  value: value(byte),
  valid: true,
});

/** Round r: a proposal of value r + 1 (and one of junk, 0xee, from the equivocator z), a prevote and a precommit by each of a and b. */
function roundState(round: number, withJunk = false): RoundState {
  const ballots = (type: 'prevote' | 'precommit') =>
    new Map([
      ['a', [vote(type, round, 'a', round + 1)]],
      ['b', [vote(type, round, 'b', null)]],
    ]);
  return {
    proposals: withJunk ? [proposal(round, 'z', 0xee), proposal(round, 'p', round + 1)] : [proposal(round, 'p', round + 1)],
    prevotes: ballots('prevote'),
    precommits: ballots('precommit'),
    prevoteTimeoutScheduled: false,
    precommitTimeoutScheduled: false,
    validValueUpdated: false,
  };
}

function machine(rounds: number, current: number, lockedRound: number, junkInRound = -1): ConsensusState {
  const locked = lockedRound >= 0 ? value(lockedRound + 1) : null;
  return {
    ...initialState(1),
    round: current,
    lockedRound,
    lockedValue: locked,
    validRound: lockedRound,
    validValue: locked,
    rounds: new Map(Array.from({ length: rounds }, (_, round) => [round, roundState(round, round === junkInRound)])),
  };
}

const describeMessage = (message: ConsensusMessage) =>
  message.kind === 'vote' ? `${message.vote.type} r${message.vote.round} ${message.vote.validator}` : message.kind === 'proposal' ? `proposal r${message.proposal.round} ${message.proposal.proposer}` : 'status';

describe('the relay order of a stalled height', () => {
  it("sends the current round's votes, then the lock's prevotes, then the current proposal and the locked one", () => {
    const order = relayOrder(machine(13, 12, 0, 0)).map(describeMessage);
    expect(order.slice(0, 8)).toEqual([
      'prevote r12 a',
      'prevote r12 b',
      'precommit r12 a',
      'precommit r12 b',
      'prevote r0 a',
      'prevote r0 b',
      'proposal r12 p',
      // Of round 0 only the proposal of the locked value, not the equivocator's junk.
      'proposal r0 p',
    ]);
    // Then every other vote, newest round first, and the other proposals last.
    expect(order.slice(8, 12)).toEqual(['prevote r11 a', 'prevote r11 b', 'precommit r11 a', 'precommit r11 b']);
    expect(order.slice(-2)).toEqual(['proposal r1 p', 'proposal r0 z']);
  });

  it('sends each message once', () => {
    const order = relayOrder(machine(5, 4, 2, 2));
    // 5 rounds x 4 votes, 5 proposals and the junk one.
    expect(order).toHaveLength(26);
    expect(new Set(order).size).toBe(26);
  });

  it("is the current round, then newest first, votes before proposals, without a lock", () => {
    const order = relayOrder(machine(3, 2, -1)).map(describeMessage);
    expect(order.filter((line) => line.startsWith('prevote'))).toEqual(['prevote r2 a', 'prevote r2 b', 'prevote r1 a', 'prevote r1 b', 'prevote r0 a', 'prevote r0 b']);
    expect(order[4]).toBe('proposal r2 p');
    expect(order.slice(-2)).toEqual(['proposal r1 p', 'proposal r0 p']);
  });
});

/** Round r of a height with only votes (proposals carry blocks, which these fakes cannot encode): a prevote and a precommit by each voter. */
function votesOnly(rounds: number, current: number, voters: readonly string[]): ConsensusState {
  const ballots = (type: 'prevote' | 'precommit', round: number) => new Map(voters.map((voter) => [voter, [vote(type, round, voter, null)]]));
  const round = (r: number): RoundState => ({
    proposals: [],
    prevotes: ballots('prevote', r),
    precommits: ballots('precommit', r),
    prevoteTimeoutScheduled: false,
    precommitTimeoutScheduled: false,
    validValueUpdated: false,
  });
  return { ...initialState(1), round: current, rounds: new Map(Array.from({ length: rounds }, (_, r) => [r, round(r)])) };
}

const TICK_MS = 250;
/** 4 frames a tick: 16 a second. */
const BUDGET = { framesPerSecond: 16, bytesPerSecond: 1_000_000, tickMs: TICK_MS, frameMaxBytes: 65_536 };
const LIMITS = { blockMaxBytes: 1_000_000, blockMaxTxs: 1000, txMaxBytes: 4096 };

/** Relays once at `nowMs` and returns what went out, as "type rN voter". */
function relayAt(relay: Relay, state: ConsensusState, nowMs: number): string[] {
  const sent: string[] = [];
  relay.relay(state, nowMs, (payload) => {
    sent.push(describeMessage(decodeConsensusMessage(payload, LIMITS)));
    return true;
  });
  return sent;
}

describe('the relay of a stalled height, relay after relay', () => {
  // Seed 7827, 5 members: every relay started from the top and sent the same 16 messages; a
  // round-2 precommit 17th in the order never went, and three honest members waited for it for good.
  it('sends the head of the order in every relay, and goes on with the rest where the last relay stopped', () => {
    const state = votesOnly(3, 2, ['a', 'b']); // 12 votes; the head is round 2's 4; 4 frames a relay
    const relay = new Relay(BUDGET, 0);
    const relays = [1, 2, 3, 4, 5].map((i) => relayAt(relay, state, i * 4 * TICK_MS));
    // Half of each relay's frames go to the head, every time.
    for (const sent of relays) expect(sent.slice(0, 2)).toEqual(['prevote r2 a', 'prevote r2 b']);
    // The rest goes on through the order: every message within the pass, none twice in it.
    const rest = relays.flatMap((sent) => sent.slice(2));
    expect(rest).toEqual(relayOrder(state).map(describeMessage).slice(2));
  });

  it('sends what arrived since the last relay at the next one', () => {
    const state = votesOnly(3, 2, ['a', 'b']);
    const relay = new Relay(BUDGET, 0);
    const first = relayAt(relay, state, 4 * TICK_MS);
    const round2 = state.rounds.get(2)!;
    (round2.prevotes as Map<string, SignedVote[]>).set('c', [vote('prevote', 2, 'c', null)]);
    const second = relayAt(relay, state, 8 * TICK_MS);
    expect(first).not.toContain('prevote r2 c');
    expect(second).toEqual(['prevote r2 a', 'prevote r2 b', 'prevote r2 c', 'prevote r1 a']);
  });

  it('starts from the top when asked (members that just connected) and when the height changes', () => {
    const state = votesOnly(3, 2, ['a', 'b']);
    const relay = new Relay(BUDGET, 0);
    const first = relayAt(relay, state, 4 * TICK_MS);
    relay.restartPass();
    expect(relayAt(relay, state, 8 * TICK_MS)).toEqual(first);
    const nextHeight = { ...votesOnly(3, 2, ['a', 'b']), height: 2 };
    expect(relayAt(relay, nextHeight, 12 * TICK_MS)).toEqual(first);
  });

  it('counts a message as relayed only when it went to someone', () => {
    const state = votesOnly(1, 0, ['a', 'b']);
    const relay = new Relay(BUDGET, 0);
    relay.relay(state, 4 * TICK_MS, () => false);
    expect(relayAt(relay, state, 8 * TICK_MS)).toEqual(relayOrder(state).map(describeMessage));
  });
});
