import { bytesEqual } from '../encoding/canonical.js';
import type { MemberId } from '../genesis/types.js';
import type { CommitSignature, Hash, SignedProposal, SignedVote } from '../types.js';
import { powerFor, tally } from './tally.js';
import type {
  BlockValue,
  ConsensusContext,
  ConsensusEffect,
  ConsensusEvent,
  ConsensusState,
  InputDisposition,
  ReceivedProposal,
  RoundState,
  Step,
  StepResult,
  TimeoutStep,
} from './types.js';

/**
 * The Tendermint algorithm (Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus",
 * 2018, Algorithm 1) as a pure function `(context, state, event) -> (state, effects)`: no
 * clock, network, disk or randomness. Line numbers in comments refer to Algorithm 1.
 *
 * Signatures, senders and block validity are checked by the driver before an event gets here;
 * the machine trusts its events and decides what to do with them.
 */

/** Messages for rounds further ahead than this are only counted for the round-skip rule. */
export const MAX_FUTURE_ROUNDS = 64;
/**
 * An equivocator gets at most this many distinct values counted per round and step, whatever
 * they are; beyond them, only a value that can matter (see countsAnotherValue).
 */
export const MAX_VALUES_PER_VALIDATOR = 2;
/** Rule evaluation after one event settles in a handful of passes; more means a bug. */
const MAX_RULE_PASSES = 32;

const STEP_ORDER: Record<Step, number> = { propose: 0, prevote: 1, precommit: 2, commit: 3 };

const EMPTY_ROUND: RoundState = {
  proposals: [],
  prevotes: new Map(),
  precommits: new Map(),
  prevoteTimeoutScheduled: false,
  precommitTimeoutScheduled: false,
  validValueUpdated: false,
};

/** The state before the first height starts; a `startHeight` event brings it to life. */
export function initialState(height: number): ConsensusState {
  return {
    height,
    round: 0,
    step: 'propose',
    lockedValue: null,
    lockedRound: -1,
    validValue: null,
    validRound: -1,
    rounds: new Map(),
    farRoundOf: new Map(),
    awaitingBlockForRound: -1,
    reportedEquivocations: new Set(),
    decision: null,
  };
}

export function timeoutDelayMs(context: ConsensusContext, step: TimeoutStep, round: number): number {
  const p = context.params;
  switch (step) {
    case 'propose':
      return p.timeoutProposeMs + round * p.timeoutProposeDeltaMs;
    case 'prevote':
      return p.timeoutPrevoteMs + round * p.timeoutPrevoteDeltaMs;
    case 'precommit':
      return p.timeoutPrecommitMs + round * p.timeoutPrecommitDeltaMs;
  }
}

/** A mutable working copy for one step; the input state is never modified. */
class Transition {
  state: ConsensusState;
  readonly effects: ConsensusEffect[] = [];

  constructor(
    readonly context: ConsensusContext,
    state: ConsensusState,
  ) {
    this.state = state;
  }

  set(patch: Partial<ConsensusState>): void {
    this.state = { ...this.state, ...patch };
  }

  roundState(round: number): RoundState {
    return this.state.rounds.get(round) ?? EMPTY_ROUND;
  }

  setRound(round: number, patch: Partial<RoundState>): void {
    const rounds = new Map(this.state.rounds);
    rounds.set(round, { ...this.roundState(round), ...patch });
    this.set({ rounds });
  }

  emit(effect: ConsensusEffect): void {
    this.effects.push(effect);
  }

  enterStep(to: Step): void {
    const { height, round, step: from } = this.state;
    if (from === to) return;
    this.set({ step: to });
    this.emit({ kind: 'stepChanged', height, round, from, to });
  }

  scheduleTimeout(step: TimeoutStep, round: number): void {
    this.emit({ kind: 'scheduleTimeout', height: this.state.height, round, step, delayMs: timeoutDelayMs(this.context, step, round) });
  }

  vote(type: 'prevote' | 'precommit', blockHash: Hash | null): void {
    const { height, round } = this.state;
    this.emit({ kind: 'vote', vote: { type, height, round, blockHash, validator: this.context.self } });
  }
}

// --- StartRound (lines 11-21) -------------------------------------------------------------

function startRound(t: Transition, round: number, reason: 'new_height' | 'timeout' | 'skip'): void {
  const { height } = t.state;
  t.set({ round, step: 'propose', awaitingBlockForRound: -1 });
  t.emit({ kind: 'roundStarted', height, round, reason });
  // Rounds now inside the window may have far messages: they were only counted, and their
  // senders will repeat them (the driver re-gossips); nothing to replay here.
  if (t.context.validators.proposer(height, round) === t.context.self) {
    const valid = t.state.validValue;
    if (valid !== null) {
      t.emit({ kind: 'propose', proposal: { height, round, polRound: t.state.validRound, blockHash: valid.hash, proposer: t.context.self }, value: valid });
    } else {
      t.set({ awaitingBlockForRound: round });
      t.emit({ kind: 'requestBlock', height, round });
    }
  }
  // Every node, the proposer too, gives up on the proposal after the timeout: a proposer whose
  // block building fails must not stall its own round.
  t.scheduleTimeout('propose', round);
}

// --- events -------------------------------------------------------------------------------

function onStartHeight(t: Transition, height: number): void {
  t.state = initialState(height);
  startRound(t, 0, 'new_height');
}

function onBlockReady(t: Transition, event: Extract<ConsensusEvent, { kind: 'blockReady' }>): void {
  const { height, round, step, awaitingBlockForRound } = t.state;
  if (event.height !== height || event.round !== round || awaitingBlockForRound !== round || step !== 'propose') return;
  t.set({ awaitingBlockForRound: -1 });
  t.emit({
    kind: 'propose',
    proposal: { height, round, polRound: -1, blockHash: event.blockHash, proposer: t.context.self },
    value: { block: event.block, hash: event.blockHash },
  });
}

function equivocationKey(kind: string, who: MemberId, round: number): string {
  return `${kind}/${who}/${round}`;
}

function roundWindow(context: ConsensusContext): number {
  return context.roundWindow ?? MAX_FUTURE_ROUNDS;
}

function isFarRound(context: ConsensusContext, state: ConsensusState, round: number): boolean {
  return round > state.round + roundWindow(context);
}

function ballotsOf(state: ConsensusState, vote: SignedVote): readonly SignedVote[] {
  const round = state.rounds.get(vote.round) ?? EMPTY_ROUND;
  return (vote.type === 'prevote' ? round.prevotes : round.precommits).get(vote.validator) ?? [];
}

/** A block proposed (and held) in some round of this height. */
function isProposedValue(state: ConsensusState, hash: Hash): boolean {
  for (const round of state.rounds.values()) {
    if (round.proposals.some((received) => bytesEqual(received.value.hash, hash))) return true;
  }
  return false;
}

/**
 * Whether a new value of a validator for a slot (height, round, step) is counted beside the
 * `ballots` it already has there. The first MAX_VALUES_PER_VALIDATOR are, whatever they are;
 * beyond them, only nil or a block proposed at this height: the values a quorum can form on.
 * Counting only the first values one happens to receive breaks the gossip property Tendermint's
 * liveness rests on: an equivocator that sends two junk values before its vote for the proposal
 * makes nodes that got the junk first miss the quorum (or the proof of lock) the others saw, and
 * locked and unlocked honest nodes then wait on each other forever (the simulator found it, with
 * 7 members: `--seed 1 --members 7 --faults network,partitions,crashes,flood-equivocations`).
 * Counting more values is safe (each counts for its own value only; two quorums still meet in a
 * correct validator) and stays bounded: nil, the two free values and the blocks proposed at
 * the height, which the machine bounds per round.
 */
function countsAnotherValue(state: ConsensusState, ballots: readonly SignedVote[], vote: SignedVote): boolean {
  if (ballots.length < MAX_VALUES_PER_VALIDATOR) return true;
  return vote.blockHash === null || isProposedValue(state, vote.blockHash);
}

/**
 * What `step` would do with a peer's proposal, vote or timeout, without doing it: the driver
 * writes to the WAL only what the machine keeps (record), so duplicates, an equivocator's values
 * beyond what the machine counts, far rounds and stale timeouts cost it nothing durable.
 */
export function classifyInput(context: ConsensusContext, state: ConsensusState, event: ConsensusEvent): InputDisposition {
  switch (event.kind) {
    case 'vote': {
      const { vote } = event;
      if (vote.height !== state.height) return 'ignore';
      if (isFarRound(context, state, vote.round)) return (state.farRoundOf.get(vote.validator) ?? -1) >= vote.round ? 'ignore' : 'note';
      const ballots = ballotsOf(state, vote);
      if (ballots.some((ballot) => sameHash(ballot.blockHash, vote.blockHash))) return 'ignore';
      if (!countsAnotherValue(state, ballots, vote)) return 'ignore';
      // Late precommits of a decided height are still kept in memory, never logged: replay stops at the decision.
      return state.decision === null ? 'record' : 'note';
    }
    case 'proposal': {
      const { proposal } = event;
      if (proposal.height !== state.height || state.decision !== null) return 'ignore';
      if (isFarRound(context, state, proposal.round)) return (state.farRoundOf.get(proposal.proposer) ?? -1) >= proposal.round ? 'ignore' : 'note';
      const proposals = (state.rounds.get(proposal.round) ?? EMPTY_ROUND).proposals;
      if (proposals.some((p) => bytesEqual(p.proposal.blockHash, proposal.blockHash))) return 'ignore';
      return proposals.length >= MAX_VALUES_PER_VALIDATOR ? 'ignore' : 'record';
    }
    case 'timeout':
      return event.height === state.height && event.round === state.round && state.step !== 'commit' && state.decision === null ? 'record' : 'ignore';
    default:
      return 'record';
  }
}

function onProposal(t: Transition, event: Extract<ConsensusEvent, { kind: 'proposal' }>): void {
  const { proposal } = event;
  if (proposal.height !== t.state.height) return;
  if (isFarRound(t.context, t.state, proposal.round)) {
    noteFarRound(t, proposal.proposer, proposal.round);
    return;
  }
  const proposals = t.roundState(proposal.round).proposals;
  if (proposals.some((p) => bytesEqual(p.proposal.blockHash, proposal.blockHash))) return;
  const first = proposals[0];
  if (first !== undefined) reportProposalEquivocation(t, first.proposal, proposal);
  if (proposals.length >= MAX_VALUES_PER_VALIDATOR) return;
  const received: ReceivedProposal = { proposal, value: { block: event.block, hash: event.blockHash }, valid: event.valid };
  t.setRound(proposal.round, { proposals: [...proposals, received] });
}

function onVote(t: Transition, vote: SignedVote): void {
  if (vote.height !== t.state.height) {
    if (vote.height < t.state.height) t.emit({ kind: 'lateVote', vote });
    return;
  }
  if (isFarRound(t.context, t.state, vote.round)) {
    noteFarRound(t, vote.validator, vote.round);
    return;
  }
  const ballots = ballotsOf(t.state, vote);
  if (ballots.some((ballot) => sameHash(ballot.blockHash, vote.blockHash))) return;
  const first = ballots[0];
  if (first !== undefined) reportVoteEquivocation(t, first, vote);
  if (!countsAnotherValue(t.state, ballots, vote)) return;
  const round = t.roundState(vote.round);
  const votes = vote.type === 'prevote' ? round.prevotes : round.precommits;
  if (first === undefined && vote.round < t.state.round && t.state.step !== 'commit') t.emit({ kind: 'lateVote', vote });
  const updated = new Map(votes);
  updated.set(vote.validator, [...ballots, vote]);
  t.setRound(vote.round, vote.type === 'prevote' ? { prevotes: updated } : { precommits: updated });
}

function noteFarRound(t: Transition, who: MemberId, round: number): void {
  if ((t.state.farRoundOf.get(who) ?? -1) >= round) return;
  const farRoundOf = new Map(t.state.farRoundOf);
  farRoundOf.set(who, round);
  t.set({ farRoundOf });
}

function reportOnce(t: Transition, key: string, report: () => void): void {
  if (t.state.reportedEquivocations.has(key)) return;
  const reported = new Set(t.state.reportedEquivocations);
  reported.add(key);
  t.set({ reportedEquivocations: reported });
  report();
}

function reportVoteEquivocation(t: Transition, first: SignedVote, second: SignedVote): void {
  reportOnce(t, equivocationKey(first.type, first.validator, first.round), () =>
    t.emit({ kind: 'evidence', evidence: { kind: 'duplicateVote', first, second } }),
  );
}

function reportProposalEquivocation(t: Transition, first: SignedProposal, second: SignedProposal): void {
  reportOnce(t, equivocationKey('proposal', first.proposer, first.round), () =>
    t.emit({ kind: 'evidence', evidence: { kind: 'duplicateProposal', first, second } }),
  );
}

function onTimeout(t: Transition, event: Extract<ConsensusEvent, { kind: 'timeout' }>): void {
  const { height, round, step } = t.state;
  if (event.height !== height || event.round !== round || step === 'commit') return;
  if (event.step === 'propose' && step === 'propose') {
    // line 57: OnTimeoutPropose
    t.vote('prevote', null);
    t.enterStep('prevote');
  } else if (event.step === 'prevote' && step === 'prevote') {
    // line 61: OnTimeoutPrevote
    t.vote('precommit', null);
    t.enterStep('precommit');
  } else if (event.step === 'precommit') {
    // line 65: OnTimeoutPrecommit
    startRound(t, round + 1, 'timeout');
  }
}

// --- the "upon" rules ---------------------------------------------------------------------

function sameValue(a: BlockValue | null, hash: Hash): boolean {
  return a !== null && bytesEqual(a.hash, hash);
}

function sameHash(a: Hash | null, b: Hash | null): boolean {
  return a === null || b === null ? a === b : bytesEqual(a, b);
}

/** The valid proposal of a round whose value holds `minPower` of the given votes, if any. */
function proposalWithQuorum(messages: RoundState, votes: ReadonlyMap<MemberId, readonly SignedVote[]>, context: ConsensusContext): ReceivedProposal | null {
  const counted = tally(votes, context.validators);
  return messages.proposals.find((p) => p.valid && powerFor(counted, p.value.hash) >= context.validators.quorumPower) ?? null;
}

/** Line 49: a proposal of any round with a quorum of precommits for it decides the height. */
function tryDecide(t: Transition): boolean {
  for (const [round, messages] of t.state.rounds) {
    const received = proposalWithQuorum(messages, messages.precommits, t.context);
    if (received === null) continue;
    const signatures: CommitSignature[] = [];
    for (const ballots of messages.precommits.values()) {
      for (const vote of ballots) {
        if (vote.blockHash !== null && bytesEqual(vote.blockHash, received.value.hash)) signatures.push({ validator: vote.validator, signature: vote.signature });
      }
    }
    signatures.sort((a, b) => (a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0));
    const decision = {
      round,
      value: received.value,
      certificate: { height: t.state.height, round, blockHash: received.value.hash, signatures },
    };
    t.set({ decision });
    t.enterStep('commit');
    t.emit({ kind: 'decide', height: t.state.height, decision });
    return true;
  }
  return false;
}

/** Line 55: f+1 voting power seen in a higher round means a correct validator is there: join it. */
function trySkipRound(t: Transition): boolean {
  const { validators } = t.context;
  const { round } = t.state;
  const highestRoundOf = new Map<MemberId, number>(t.state.farRoundOf);
  for (const [r, messages] of t.state.rounds) {
    if (r <= round) continue;
    const senders = [...messages.prevotes.keys(), ...messages.precommits.keys(), ...messages.proposals.map((p) => p.proposal.proposer)];
    for (const who of senders) highestRoundOf.set(who, Math.max(highestRoundOf.get(who) ?? -1, r));
  }
  // The highest round r' such that validators seen at r' or above hold f+1 power.
  const candidates = [...new Set(highestRoundOf.values())].filter((r) => r > round).sort((a, b) => b - a);
  for (const target of candidates) {
    const atOrAbove = [...highestRoundOf].filter(([, r]) => r >= target).map(([who]) => who);
    if (validators.powerOfSet(atOrAbove) >= validators.oneThirdPlusPower) {
      startRound(t, target, 'skip');
      return true;
    }
  }
  return false;
}

/** Lines 22 and 28: the proposal of this round, while in the propose step. */
function tryPrevoteOnProposal(t: Transition): boolean {
  const { round, step, lockedRound, lockedValue } = t.state;
  if (step !== 'propose') return false;
  const received = t.roundState(round).proposals[0];
  if (received === undefined) return false;
  const { polRound } = received.proposal;
  const hash = received.value.hash;
  if (polRound === -1) {
    // line 22
    const acceptable = received.valid && (lockedRound === -1 || sameValue(lockedValue, hash));
    t.vote('prevote', acceptable ? hash : null);
    t.enterStep('prevote');
    return true;
  }
  if (polRound >= 0 && polRound < round) {
    // line 28: needs the proof of lock, a quorum of prevotes for the value in polRound
    const prevotes = tally(t.roundState(polRound).prevotes, t.context.validators);
    if (powerFor(prevotes, hash) < t.context.validators.quorumPower) return false;
    const acceptable = received.valid && (lockedRound <= polRound || sameValue(lockedValue, hash));
    t.vote('prevote', acceptable ? hash : null);
    t.enterStep('prevote');
    return true;
  }
  return false;
}

/** Line 34: a quorum of prevotes of any kind starts the prevote timeout, once per round. */
function tryPrevoteTimeout(t: Transition): boolean {
  const { round, step } = t.state;
  const messages = t.roundState(round);
  if (step !== 'prevote' || messages.prevoteTimeoutScheduled) return false;
  if (tally(messages.prevotes, t.context.validators).totalPower < t.context.validators.quorumPower) return false;
  t.setRound(round, { prevoteTimeoutScheduled: true });
  t.scheduleTimeout('prevote', round);
  return true;
}

/** Line 36: a valid proposal with a quorum of prevotes locks it (in prevote) and makes it the valid value. */
function tryLockOnQuorum(t: Transition): boolean {
  const { round, step } = t.state;
  const messages = t.roundState(round);
  if (messages.validValueUpdated || STEP_ORDER[step] < STEP_ORDER.prevote || step === 'commit') return false;
  const received = proposalWithQuorum(messages, messages.prevotes, t.context);
  if (received === null) return false;
  t.setRound(round, { validValueUpdated: true });
  if (step === 'prevote') {
    t.set({ lockedValue: received.value, lockedRound: round });
    t.vote('precommit', received.value.hash);
    t.enterStep('precommit');
  }
  t.set({ validValue: received.value, validRound: round });
  return true;
}

/** Line 44: a quorum of nil prevotes: precommit nil. */
function tryPrecommitNil(t: Transition): boolean {
  const { round, step } = t.state;
  if (step !== 'prevote') return false;
  const prevotes = tally(t.roundState(round).prevotes, t.context.validators);
  if (powerFor(prevotes, null) < t.context.validators.quorumPower) return false;
  t.vote('precommit', null);
  t.enterStep('precommit');
  return true;
}

/** Line 47: a quorum of precommits of any kind starts the precommit timeout, once per round. */
function tryPrecommitTimeout(t: Transition): boolean {
  const { round } = t.state;
  const messages = t.roundState(round);
  if (messages.precommitTimeoutScheduled) return false;
  if (tally(messages.precommits, t.context.validators).totalPower < t.context.validators.quorumPower) return false;
  t.setRound(round, { precommitTimeoutScheduled: true });
  t.scheduleTimeout('precommit', round);
  return true;
}

const RULES_IN_ROUND = [tryPrevoteOnProposal, tryPrevoteTimeout, tryLockOnQuorum, tryPrecommitNil, tryPrecommitTimeout];

function evaluateRules(t: Transition): void {
  for (let pass = 0; pass < MAX_RULE_PASSES; pass++) {
    if (t.state.decision !== null) return;
    if (tryDecide(t)) return;
    if (trySkipRound(t)) continue;
    if (!RULES_IN_ROUND.some((rule) => rule(t))) return;
  }
  throw new Error(`consensus rules did not settle after ${MAX_RULE_PASSES} passes at height ${t.state.height}`);
}

/**
 * Applies one event. Rounds of the current height are all kept (line 49 may decide on any of
 * them); a new height starts from a fresh state.
 */
export function step(context: ConsensusContext, state: ConsensusState, event: ConsensusEvent): StepResult {
  const t = new Transition(context, state);
  if (event.kind === 'startHeight') {
    onStartHeight(t, event.height);
    evaluateRules(t);
    return { state: t.state, effects: t.effects };
  }
  if (t.state.decision !== null) {
    if (event.kind === 'vote' && event.vote.height === t.state.height) onVote(t, event.vote); // late precommits are still recorded
    return { state: t.state, effects: t.effects };
  }
  switch (event.kind) {
    case 'proposal':
      onProposal(t, event);
      break;
    case 'vote':
      onVote(t, event.vote);
      break;
    case 'timeout':
      onTimeout(t, event);
      break;
    case 'blockReady':
      onBlockReady(t, event);
      break;
  }
  evaluateRules(t);
  return { state: t.state, effects: t.effects };
}
