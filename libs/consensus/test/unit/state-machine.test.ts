import { describe, expect, it } from 'vitest';
import { ZERO_HASH } from '../../src/block.js';
import { DEFAULT_CONSENSUS_PARAMS, type GenesisMember } from '../../src/genesis/types.js';
import { classifyInput, initialState, MAX_FUTURE_ROUNDS, step } from '../../src/state/machine.js';
import type { ConsensusContext, ConsensusEffect, ConsensusEvent, ConsensusState } from '../../src/state/types.js';
import type { Block, Hash, SignedVote, VoteType } from '../../src/types.js';
import { ValidatorSet } from '../../src/validators.js';

const ids = ['A', 'B', 'C', 'D'];
const members: GenesisMember[] = ids.map((id, i) => ({
  id,
  operator: id,
  tadig: `AAA${id}${i}`,
  publicKey: new Uint8Array(32).fill(i + 1),
  peerId: `12D3KooW${id}`,
  votingPower: 1,
}));
const validators = new ValidatorSet(members);
const SIG = new Uint8Array(64);

function context(self: string): ConsensusContext {
  return { chainId: 'test', self, validators, params: DEFAULT_CONSENSUS_PARAMS };
}

function blockOf(height: number, tag: number): { block: Block; hash: Hash } {
  const block: Block = {
    header: { chainId: 'test', height, timeMs: tag, proposer: 'B', previousBlockHash: ZERO_HASH, lastCommitHash: ZERO_HASH, txsHash: ZERO_HASH, appHash: ZERO_HASH },
    txs: [],
    lastCommit: null,
  };
  return { block, hash: new Uint8Array(32).fill(tag) };
}

function vote(type: VoteType, validator: string, round: number, blockHash: Hash | null, height = 1): ConsensusEvent {
  const signed: SignedVote = { type, height, round, blockHash, validator, signature: SIG };
  return { kind: 'vote', vote: signed };
}

function proposal(round: number, value: { block: Block; hash: Hash }, proposer: string, polRound = -1, valid = true): ConsensusEvent {
  return {
    kind: 'proposal',
    proposal: { height: 1, round, polRound, blockHash: value.hash, proposer, signature: SIG },
    block: value.block,
    blockHash: value.hash,
    valid,
  };
}

/** Runs events through the machine, collecting every effect. */
function run(self: string, events: ConsensusEvent[], from?: ConsensusState) {
  let state = from ?? initialState(1);
  const effects: ConsensusEffect[] = [];
  for (const event of events) {
    const result = step(context(self), state, event);
    state = result.state;
    effects.push(...result.effects);
  }
  return { state, effects };
}

const votesOf = (effects: ConsensusEffect[]) =>
  effects.filter((e): e is Extract<ConsensusEffect, { kind: 'vote' }> => e.kind === 'vote').map((e) => `${e.vote.type}:${e.vote.round}:${e.vote.blockHash === null ? 'nil' : e.vote.blockHash[0]}`);

describe('Tendermint state machine', () => {
  const value = blockOf(1, 7);

  it('has the proposer of (1, 0) request a block and propose it', () => {
    // proposer(h, r) = members[(h + r) % n]: B for (1, 0)
    const { effects } = run('B', [{ kind: 'startHeight', height: 1 }]);
    expect(effects.map((e) => e.kind)).toEqual(['roundStarted', 'requestBlock', 'scheduleTimeout']);
    const after = run('B', [{ kind: 'startHeight', height: 1 }, { kind: 'blockReady', height: 1, round: 0, block: value.block, blockHash: value.hash }]);
    const propose = after.effects.find((e) => e.kind === 'propose');
    expect(propose).toMatchObject({ proposal: { height: 1, round: 0, polRound: -1, proposer: 'B' } });
  });

  it('decides in round 0: prevote, lock and precommit, then commit with a quorum certificate', () => {
    const { state, effects } = run('A', [
      { kind: 'startHeight', height: 1 },
      proposal(0, value, 'B'),
      vote('prevote', 'B', 0, value.hash),
      vote('prevote', 'C', 0, value.hash),
      vote('prevote', 'A', 0, value.hash),
      vote('precommit', 'B', 0, value.hash),
      vote('precommit', 'C', 0, value.hash),
      vote('precommit', 'A', 0, value.hash),
    ]);
    expect(votesOf(effects)).toEqual(['prevote:0:7', 'precommit:0:7']);
    expect(state.lockedRound).toBe(0);
    expect(state.step).toBe('commit');
    const decide = effects.find((e) => e.kind === 'decide');
    expect(decide?.kind === 'decide' && decide.decision.certificate.signatures.map((s) => s.validator)).toEqual(['A', 'B', 'C']);
  });

  it('does not decide on fewer than a quorum of precommits (2 of 4 is not 3)', () => {
    const { state } = run('A', [
      { kind: 'startHeight', height: 1 },
      proposal(0, value, 'B'),
      vote('precommit', 'B', 0, value.hash),
      vote('precommit', 'C', 0, value.hash),
    ]);
    expect(state.decision).toBeNull();
  });

  it('prevotes nil on an invalid proposal and on a propose timeout', () => {
    expect(votesOf(run('A', [{ kind: 'startHeight', height: 1 }, proposal(0, value, 'B', -1, false)]).effects)).toEqual(['prevote:0:nil']);
    const timedOut = run('A', [{ kind: 'startHeight', height: 1 }, { kind: 'timeout', height: 1, round: 0, step: 'propose' }]);
    expect(votesOf(timedOut.effects)).toEqual(['prevote:0:nil']);
    expect(timedOut.state.step).toBe('prevote');
  });

  it('precommits nil on a quorum of nil prevotes, then moves to the next round on the precommit timeout', () => {
    const { state, effects } = run('A', [
      { kind: 'startHeight', height: 1 },
      { kind: 'timeout', height: 1, round: 0, step: 'propose' },
      vote('prevote', 'A', 0, null), // the driver feeds a node's own votes back in
      vote('prevote', 'B', 0, null),
      vote('prevote', 'C', 0, null),
      vote('precommit', 'B', 0, null),
      vote('precommit', 'C', 0, null),
      vote('precommit', 'D', 0, null),
      { kind: 'timeout', height: 1, round: 0, step: 'precommit' },
    ]);
    expect(votesOf(effects)).toEqual(['prevote:0:nil', 'precommit:0:nil']);
    expect(effects.filter((e) => e.kind === 'scheduleTimeout').map((e) => e.kind === 'scheduleTimeout' && `${e.step}:${e.round}:${e.delayMs}`)).toEqual([
      'propose:0:1000',
      'prevote:0:500',
      'precommit:0:500',
      'propose:1:1500',
    ]);
    expect(state.round).toBe(1);
    expect(effects.at(-2)).toMatchObject({ kind: 'roundStarted', round: 1, reason: 'timeout' });
  });

  it('keeps its lock: a locked validator prevotes nil for another value without a newer proof of lock', () => {
    const other = blockOf(1, 9);
    const locked = run('A', [
      { kind: 'startHeight', height: 1 },
      proposal(0, value, 'B'),
      vote('prevote', 'B', 0, value.hash),
      vote('prevote', 'C', 0, value.hash),
      vote('prevote', 'A', 0, value.hash),
      { kind: 'timeout', height: 1, round: 0, step: 'precommit' },
    ]);
    expect(locked.state.lockedRound).toBe(0);
    expect(locked.state.round).toBe(1);
    // proposer of (1, 1) is C; it proposes another value with no proof of lock
    const { effects } = run('A', [proposal(1, other, 'C')], locked.state);
    expect(votesOf(effects)).toEqual(['prevote:1:nil']);
  });

  it('unlocks on a proof of lock from a later round (line 28)', () => {
    const other = blockOf(1, 9);
    const locked = run('A', [
      { kind: 'startHeight', height: 1 },
      proposal(0, value, 'B'),
      vote('prevote', 'B', 0, value.hash),
      vote('prevote', 'C', 0, value.hash),
      vote('prevote', 'A', 0, value.hash),
      { kind: 'timeout', height: 1, round: 0, step: 'precommit' },
      { kind: 'timeout', height: 1, round: 1, step: 'propose' },
      vote('prevote', 'B', 1, other.hash),
      vote('prevote', 'C', 1, other.hash),
      vote('prevote', 'D', 1, other.hash),
      { kind: 'timeout', height: 1, round: 1, step: 'precommit' },
    ]);
    expect(locked.state.round).toBe(2);
    // proposer of (1, 2) is D: re-proposes `other` with polRound 1, whose prevotes we hold
    const { effects } = run('A', [proposal(2, other, 'D', 1)], locked.state);
    expect(votesOf(effects)).toEqual(['prevote:2:9']);
  });

  it('re-proposes its valid value with the proof-of-lock round when it is proposer again', () => {
    // A is proposer of (1, 3): (1 + 3) % 4 = 0
    const seen = run('A', [
      { kind: 'startHeight', height: 1 },
      proposal(0, value, 'B'),
      vote('prevote', 'B', 0, value.hash),
      vote('prevote', 'C', 0, value.hash),
      vote('prevote', 'D', 0, value.hash),
    ]);
    expect(seen.state.validRound).toBe(0);
    const { effects } = run('A', [
      { kind: 'timeout', height: 1, round: 0, step: 'precommit' },
      { kind: 'timeout', height: 1, round: 1, step: 'precommit' },
      { kind: 'timeout', height: 1, round: 2, step: 'precommit' },
    ], seen.state);
    const propose = effects.find((e) => e.kind === 'propose');
    expect(propose).toMatchObject({ proposal: { round: 3, polRound: 0, proposer: 'A' } });
  });

  it('joins a higher round when f+1 voting power is seen there (line 55)', () => {
    const { state, effects } = run('A', [{ kind: 'startHeight', height: 1 }, vote('prevote', 'B', 5, null)]);
    expect(state.round).toBe(0); // one of four is not f+1 = 2
    const joined = run('A', [vote('precommit', 'C', 7, null)], state);
    expect(joined.state.round).toBe(5); // B at 5, C at 7: both at or above 5
    expect(joined.effects).toContainEqual({ kind: 'roundStarted', height: 1, round: 5, reason: 'skip' });
    expect(effects.some((e) => e.kind === 'roundStarted' && e.round === 5)).toBe(false);
  });

  it('counts far-future rounds only for skipping, without storing their votes', () => {
    const far = MAX_FUTURE_ROUNDS + 10;
    const { state } = run('A', [{ kind: 'startHeight', height: 1 }, vote('prevote', 'B', far, null), vote('prevote', 'C', far + 1, null)]);
    expect(state.round).toBe(far);
    expect(state.rounds.has(far + 1)).toBe(false);
  });

  it('reports an equivocating validator once, and counts each of its values only for that value', () => {
    const other = blockOf(1, 9);
    const junk = blockOf(1, 11);
    const { state, effects } = run('A', [
      { kind: 'startHeight', height: 1 },
      vote('prevote', 'C', 0, value.hash),
      vote('prevote', 'C', 0, other.hash),
      vote('prevote', 'C', 0, junk.hash),
      vote('prevote', 'C', 0, null),
    ]);
    const evidence = effects.filter((e) => e.kind === 'evidence');
    expect(evidence).toHaveLength(1);
    // Two values are kept whatever they are (MAX_VALUES_PER_VALIDATOR); beyond them a value no
    // proposal names is dropped, nil is kept.
    expect(state.rounds.get(0)?.prevotes.get('C')?.map((v) => v.blockHash)).toEqual([value.hash, other.hash, null]);
  });

  it("counts an equivocator's vote for a proposed block even after two other values (the 7-member flood, seed 1)", () => {
    const junk = [blockOf(1, 9), blockOf(1, 11)];
    const events: ConsensusEvent[] = [
      { kind: 'startHeight', height: 1 },
      proposal(0, value, 'B'),
      // D sends two values no proposal names before its vote for the proposal.
      vote('precommit', 'D', 0, junk[0]!.hash),
      vote('precommit', 'D', 0, junk[1]!.hash),
      vote('precommit', 'D', 0, value.hash),
      vote('precommit', 'B', 0, value.hash),
      vote('precommit', 'C', 0, value.hash),
    ];
    const { state } = run('A', events);
    expect(state.decision?.certificate.signatures.map((s) => s.validator)).toEqual(['B', 'C', 'D']);
    // And the driver logs it (what classifyInput says is what step keeps).
    const before = run('A', events.slice(0, 4)).state;
    expect(classifyInput(context('A'), before, events[4]!)).toBe('record');
    expect(classifyInput(context('A'), before, vote('precommit', 'D', 0, blockOf(1, 13).hash))).toBe('ignore');
  });

  it('counts a proof of lock that needs an equivocator whose vote for the value came third (line 28)', () => {
    // A missed round 0's proposal; D's vote for it arrives (relayed) only after two junk values,
    // once C re-proposes the value in round 1 with polRound 0: that vote completes the proof.
    const junk = [blockOf(1, 9), blockOf(1, 11)];
    const { effects } = run('A', [
      { kind: 'startHeight', height: 1 },
      { kind: 'timeout', height: 1, round: 0, step: 'propose' },
      vote('prevote', 'D', 0, junk[0]!.hash),
      vote('prevote', 'D', 0, junk[1]!.hash),
      vote('prevote', 'B', 0, value.hash),
      vote('prevote', 'C', 0, value.hash),
      { kind: 'timeout', height: 1, round: 0, step: 'prevote' },
      { kind: 'timeout', height: 1, round: 0, step: 'precommit' },
      proposal(1, value, 'C', 0),
      vote('prevote', 'D', 0, value.hash),
    ]);
    expect(votesOf(effects)).toEqual(['prevote:0:nil', 'precommit:0:nil', 'prevote:1:7']);
  });

  it('reports a proposer that proposes two blocks for one round', () => {
    const other = blockOf(1, 9);
    const { state, effects } = run('A', [{ kind: 'startHeight', height: 1 }, proposal(0, value, 'B'), proposal(0, other, 'B')]);
    expect(effects.filter((e) => e.kind === 'evidence')).toHaveLength(1);
    expect(state.rounds.get(0)?.proposals.map((p) => p.value.hash)).toEqual([value.hash, other.hash]);
  });

  it('decides on the second of two proposals when the quorum precommitted that one', () => {
    const other = blockOf(1, 9);
    const { state } = run('A', [
      { kind: 'startHeight', height: 1 },
      proposal(0, value, 'B'),
      proposal(0, other, 'B'),
      vote('precommit', 'B', 0, other.hash),
      vote('precommit', 'C', 0, other.hash),
      vote('precommit', 'D', 0, other.hash),
    ]);
    expect(state.decision?.value.hash).toEqual(other.hash);
  });

  it('counts an equivocator towards a quorum for the value it voted, whatever it sent first', () => {
    const other = blockOf(1, 9);
    const { state } = run('A', [
      { kind: 'startHeight', height: 1 },
      proposal(0, value, 'B'),
      vote('precommit', 'D', 0, other.hash), // D equivocates: seen first for another value
      vote('precommit', 'D', 0, value.hash),
      vote('precommit', 'B', 0, value.hash),
      vote('precommit', 'C', 0, value.hash),
    ]);
    expect(state.decision?.certificate.signatures.map((s) => s.validator)).toEqual(['B', 'C', 'D']);
  });

  it('decides on a proposal of an earlier round once its precommits arrive (line 49, any round)', () => {
    const { state } = run('A', [
      { kind: 'startHeight', height: 1 },
      proposal(0, value, 'B'),
      { kind: 'timeout', height: 1, round: 0, step: 'prevote' },
      vote('prevote', 'B', 0, null),
      vote('precommit', 'B', 1, null),
      vote('precommit', 'C', 1, null),
      vote('precommit', 'B', 0, value.hash),
      vote('precommit', 'C', 0, value.hash),
      vote('precommit', 'D', 0, value.hash),
    ]);
    expect(state.decision?.round).toBe(0);
  });

  it('ignores other heights, reporting late votes', () => {
    const { state, effects } = run('A', [{ kind: 'startHeight', height: 2 }, vote('precommit', 'B', 0, value.hash, 1), vote('prevote', 'B', 0, value.hash, 3)]);
    expect(effects.filter((e) => e.kind === 'lateVote')).toHaveLength(1);
    expect(state.rounds.get(0)?.prevotes.size ?? 0).toBe(0);
  });

  it('never mutates the state it is given', () => {
    const start = run('A', [{ kind: 'startHeight', height: 1 }]).state;
    const frozen = JSON.stringify([...start.rounds.entries()]);
    step(context('A'), start, proposal(0, value, 'B'));
    step(context('A'), start, vote('prevote', 'C', 0, value.hash));
    expect(JSON.stringify([...start.rounds.entries()])).toBe(frozen);
    expect(start.step).toBe('propose');
  });
});
