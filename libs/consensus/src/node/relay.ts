import { bytesEqual } from '../encoding/canonical.js';
import type { ConsensusState, ReceivedProposal, RoundState } from '../state/types.js';
import type { SignedVote } from '../types.js';
import { TokenBucket } from './token-bucket.js';
import { encodeConsensusMessage, type ConsensusMessage } from './wire.js';

export interface RelayBudget {
  readonly framesPerSecond: number;
  readonly bytesPerSecond: number;
  /** The status period: a tick spends at most one period's worth. */
  readonly tickMs: number;
  /** The largest consensus frame: a tick may always carry one, or the largest proposal would never be relayed. */
  readonly frameMaxBytes: number;
}

/**
 * Re-sends the proposals and votes this node holds for a stalled height, its own and others'
 * (each signed by its validator, so relaying is safe). Tendermint's liveness assumes gossip:
 * what one correct node received, every correct node eventually receives. Only done when a
 * height stalls, and within a budget of frames and bytes per tick, taken from the limits table
 * so that it stays under half of what receivers accept from one peer: an honest relayer is never
 * rate-limited or disconnected for relaying.
 *
 * The budget cannot carry everything of a height stalled for many rounds, so the order matters
 * (relayOrder), and so does what came before. Each relay first sends the head of the order (the
 * current round's votes and proposals, the proofs of lock) within half of its frames, as every
 * relay always did; then it goes on with a pass over everything the node holds for the height,
 * where the last relay stopped, before any of it goes again. A relay that started from the top
 * every time sent the same first messages every time, and a vote further down never went out:
 * the simulator found three honest members waiting in round 2 for the fourth's round-2
 * precommit, which sat 17th of 33 behind a 16-frame budget, while the fourth waited in round 3
 * for them (seed 7827, 5 members). A pass alone, without the head every time, sent a proof of
 * lock once a pass (seconds apart): a member restarted into a height stalled for rounds lacked
 * one prevote of the lock's round for the rest of the run (seed 8580, 4 members). A message that
 * does not fit the bytes left is skipped, so smaller ones behind it still go.
 */
export class Relay {
  private readonly frames: TokenBucket;
  private readonly bytes: TokenBucket;
  /** The height of the pass in progress, and what the pass has sent of it (votes and received proposals, by identity). */
  private passHeight = -1;
  private sentThisPass = new Set<object>();

  constructor(budget: RelayBudget, nowMs: number) {
    const tickShare = budget.tickMs / 1000;
    this.frames = new TokenBucket(budget.framesPerSecond, Math.max(1, Math.floor(budget.framesPerSecond * tickShare)), nowMs);
    this.bytes = new TokenBucket(budget.bytesPerSecond, Math.max(budget.frameMaxBytes, Math.floor(budget.bytesPerSecond * tickShare)), nowMs);
  }

  /**
   * Starts a new pass at the next relay: members that just connected may lack everything of the
   * height, and the top of relayOrder is what they need first.
   */
  restartPass(): void {
    this.sentThisPass = new Set();
  }

  /** Sends the head of the order, then what fits of the pass in progress; returns what was sent and whether the budget cut it short. */
  relay(machine: ConsensusState, nowMs: number, send: (payload: Uint8Array) => boolean): { messages: number; bytes: number; exhausted: boolean } {
    if (machine.height !== this.passHeight) {
      this.passHeight = machine.height;
      this.restartPass();
    }
    const { entries, headLength } = relayEntries(machine);
    let messages = 0;
    let bytes = 0;
    let exhausted = false;
    const sentNow = new Set<object>();
    /** Sends `list` in order while `framesLeft` holds; false if it stopped before the end of `list`. */
    const sendAll = (list: readonly RelayEntry[], framesLeft: () => boolean): boolean => {
      for (const { message, key } of list) {
        if (!framesLeft()) return false;
        const payload = encodeConsensusMessage(message);
        if (!this.bytes.tryTake(payload.byteLength, nowMs)) {
          exhausted = true;
          continue;
        }
        this.frames.tryTake(1, nowMs);
        if (send(payload)) {
          sentNow.add(key);
          this.sentThisPass.add(key);
          messages += 1;
          bytes += payload.byteLength;
        }
      }
      return true;
    };
    // The head every time, within half of the frames this relay has: it is what a node that
    // missed the round needs first (the current round, the proofs of lock).
    const headFrames = Math.max(1, Math.floor(this.frames.available(nowMs) / 2));
    sendAll(entries.slice(0, headLength), () => this.frames.available(nowMs) >= 1 && messages < headFrames);
    // Then the pass in progress over everything, where the last relay stopped.
    // A pass done, the next starts, with what the head just sent counted as sent in it.
    const unsent = (): RelayEntry[] => entries.filter((entry) => !this.sentThisPass.has(entry.key));
    let pending = unsent();
    if (pending.length === 0) {
      this.sentThisPass = new Set(sentNow);
      pending = unsent();
    }
    if (!sendAll(pending, () => this.frames.available(nowMs) >= 1)) exhausted = true;
    return { messages, bytes, exhausted };
  }
}

/** One message of a stalled height, with what identifies it across relays (the vote, or the received proposal). */
interface RelayEntry {
  readonly message: ConsensusMessage;
  readonly key: object;
}

/**
 * What a stalled height relays, most useful first:
 * 1. the current round's votes, then the prevotes of the rounds of the node's valid value and
 *    lock (their proofs of lock: what lets a node that missed them, after a restart or a loss,
 *    accept a re-proposal of the value the others are locked on);
 * 2. the current round's proposals, then the proposal of the valid value and of the lock;
 * 3. every other vote, newest round first, then every other proposal.
 * Votes go before proposals because they are small: a large proposal (an equivocator's junk of
 * several MiB) would otherwise spend each tick's bytes alone. The simulator found both orders
 * that came before wanting: newest first never reached round 0 after a dozen nil rounds (seed
 * 263, 4 members); rounds of the lock first spent every tick on a Byzantine member's large
 * proposals held in round 0 (seed 98, 4 members).
 */
export function relayOrder(machine: ConsensusState): ConsensusMessage[] {
  return relayEntries(machine).entries.map((entry) => entry.message);
}

/** relayOrder's messages, and how many of them are its first two groups (the current round's and the proofs of lock). */
function relayEntries(machine: ConsensusState): { readonly entries: RelayEntry[]; readonly headLength: number } {
  const current = machine.rounds.get(machine.round);
  const proofRounds = [...new Set([machine.validRound, machine.lockedRound])].filter((round) => round >= 0 && round !== machine.round);
  const proofValues = [machine.validValue?.hash, machine.lockedValue?.hash].filter((hash): hash is Uint8Array => hash !== undefined);
  const listed = new Set<object>();
  const ordered: RelayEntry[] = [];
  const votes = (ballots: ReadonlyMap<string, readonly SignedVote[]> | undefined) => {
    for (const vote of [...(ballots?.values() ?? [])].flat()) {
      if (listed.has(vote)) continue;
      listed.add(vote);
      ordered.push({ message: { kind: 'vote', vote }, key: vote });
    }
  };
  const proposals = (round: RoundState | undefined, only?: (received: ReceivedProposal) => boolean) => {
    for (const received of round?.proposals ?? []) {
      if (listed.has(received) || (only !== undefined && !only(received))) continue;
      listed.add(received);
      ordered.push({ message: { kind: 'proposal', proposal: received.proposal, block: received.value.block }, key: received });
    }
  };
  votes(current?.prevotes);
  votes(current?.precommits);
  for (const round of proofRounds) votes(machine.rounds.get(round)?.prevotes);
  proposals(current);
  for (const round of proofRounds) proposals(machine.rounds.get(round), (received) => proofValues.some((hash) => bytesEqual(hash, received.value.hash)));
  const headLength = ordered.length;
  const newestFirst = [...machine.rounds.keys()].sort((a, b) => b - a).map((round) => machine.rounds.get(round)!);
  for (const round of newestFirst) {
    votes(round.prevotes);
    votes(round.precommits);
  }
  for (const round of newestFirst) proposals(round);
  return { entries: ordered, headLength };
}
