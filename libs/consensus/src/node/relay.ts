import type { ConsensusState, RoundState } from '../state/types.js';
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
 * First the rounds of this node's valid value and lock: their proposal and prevotes (a proof of
 * lock) are what lets a node that missed them (a restart, loss) accept a re-proposal of that
 * value, and without them honest nodes locked on different knowledge wait on each other
 * forever (sim seed 263, 4 members: after twelve rounds of nil votes, a newest-first relay never
 * reached round 0 within its budget). Then the newest rounds first. In a round, proposals then
 * votes; a proposal that does not fit the bytes left is skipped, so the votes behind it still go.
 */
export class Relay {
  private readonly frames: TokenBucket;
  private readonly bytes: TokenBucket;

  constructor(budget: RelayBudget, nowMs: number) {
    const tickShare = budget.tickMs / 1000;
    this.frames = new TokenBucket(budget.framesPerSecond, Math.max(1, Math.floor(budget.framesPerSecond * tickShare)), nowMs);
    this.bytes = new TokenBucket(budget.bytesPerSecond, Math.max(budget.frameMaxBytes, Math.floor(budget.bytesPerSecond * tickShare)), nowMs);
  }

  /** Sends what fits; returns what was sent and whether the budget cut it short. */
  relay(machine: ConsensusState, nowMs: number, send: (payload: Uint8Array) => boolean): { messages: number; bytes: number; exhausted: boolean } {
    let messages = 0;
    let bytes = 0;
    let exhausted = false;
    const offer = (message: ConsensusMessage): void => {
      if (this.frames.available(nowMs) < 1) {
        exhausted = true;
        return;
      }
      const payload = encodeConsensusMessage(message);
      if (!this.bytes.tryTake(payload.byteLength, nowMs)) {
        exhausted = true;
        return;
      }
      this.frames.tryTake(1, nowMs);
      if (send(payload)) {
        messages += 1;
        bytes += payload.byteLength;
      }
    };
    for (const round of relayOrder(machine)) {
      for (const received of round.proposals) offer({ kind: 'proposal', proposal: received.proposal, block: received.value.block });
      for (const ballots of round.prevotes.values()) for (const vote of ballots) offer({ kind: 'vote', vote });
      for (const ballots of round.precommits.values()) for (const vote of ballots) offer({ kind: 'vote', vote });
      if (this.frames.available(nowMs) < 1) break;
    }
    return { messages, bytes, exhausted };
  }
}

/** The machine's rounds in the order they are relayed: the valid value's and the lock's rounds, then newest first. */
export function relayOrder(machine: ConsensusState): RoundState[] {
  const proofRounds = [...new Set([machine.validRound, machine.lockedRound])].filter((round) => round >= 0);
  const newestFirst = [...machine.rounds.keys()].filter((round) => !proofRounds.includes(round)).sort((a, b) => b - a);
  return [...proofRounds, ...newestFirst].flatMap((round) => {
    const state = machine.rounds.get(round);
    return state === undefined ? [] : [state];
  });
}
