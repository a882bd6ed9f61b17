import { blockHash, txsHash } from '../block.js';
import { toHex } from '../crypto/hash.js';
import { bytesEqual } from '../encoding/canonical.js';
import type { MemberId } from '../genesis/types.js';
import { decodeWalEntry, type WalEntry } from '../node/wal-log.js';
import type { WireLimits } from '../node/wire.js';
import { MAX_FUTURE_ROUNDS, MAX_VALUES_PER_VALIDATOR } from '../state/machine.js';

/**
 * The resources an honest node may spend on what one Byzantine member sends, as the simulator
 * states and checks them. Each bound is what the Tendermint machine can use, with room to spare;
 * honest runs stay below (the measured maxima are in docs/decisions.md), and anything a node
 * keeps beyond it is work or memory a member can make it spend for nothing.
 *
 * - WAL per height, counting distinct entries (copies of one input are counted apart, in
 *   `maxCopiesOfOneEntry`): inputs for rounds up to two past the highest round an honest node
 *   reached at that height; per round at most MAX_VALUES_PER_VALIDATOR proposals, per validator
 *   and vote type the values the machine counts (below), its own proposal and votes, and three
 *   timeouts; beyond the machine's round window, a few entries per signer. In bytes: a full
 *   proposal entry per proposal, VOTE_ENTRY_MAX_BYTES per other entry.
 * - One slot (height, round, signer, step) holds at most MAX_VALUES_PER_VALIDATOR values of any
 *   kind; beyond them only nil or a block proposed at that height (what the machine counts).
 * - Every WAL entry the node writes, its own decoder reads back (else replay fails).
 * - Task queue: TASK_QUEUE_MAX tasks. The queue drains between events unless a task waits on the
 *   network (block sync); what piles up behind it is what the node has not yet looked at.
 * - Next-height buffer, in bytes: per member two proposals and the votes of MAX_FUTURE_ROUNDS
 *   rounds. (Its count is bounded by the node itself; it holds copies too, so it is reported,
 *   not checked.)
 */

export const VOTE_ENTRY_MAX_BYTES = 512;
/** A proposal WAL entry or frame: the block plus headers, signature and framing. */
export const proposalEntryMaxBytes = (limits: WireLimits) => limits.blockMaxBytes + 64 * 1024;
/** Entries beyond the round window per signer and height (the round-skip rule needs the highest). */
export const FAR_ROUND_ENTRIES_PER_SIGNER = 8;
/** Round slack above the highest honest round: a node hears of the next round before it enters it. */
const ROUND_SLACK = 2;
/** Timeout entries per round: one per step. */
const TIMEOUTS_PER_ROUND = 3;
export const TASK_QUEUE_MAX = 1_000;

export interface ResourceBounds {
  walEntries(highestRound: number): number;
  walBytes(highestRound: number): number;
  readonly futureMessageBytes: number;
  readonly taskQueue: number;
}

export function resourceBoundsFor(members: number, limits: WireLimits): ResourceBounds {
  const proposalsPerRound = MAX_VALUES_PER_VALIDATOR + 1;
  const farEntries = members * FAR_ROUND_ENTRIES_PER_SIGNER;
  // Per validator, vote type and round: the free values, nil, and each block proposed at the height.
  const votesPerRound = (rounds: number) => 2 * members * (MAX_VALUES_PER_VALIDATOR + 1 + rounds * proposalsPerRound);
  const rounds = (highestRound: number) => highestRound + 1 + ROUND_SLACK;
  return {
    walEntries: (highestRound) => rounds(highestRound) * (proposalsPerRound + votesPerRound(rounds(highestRound)) + TIMEOUTS_PER_ROUND) + farEntries,
    walBytes: (highestRound) =>
      rounds(highestRound) * (proposalsPerRound * proposalEntryMaxBytes(limits) + (votesPerRound(rounds(highestRound)) + TIMEOUTS_PER_ROUND) * VOTE_ENTRY_MAX_BYTES) +
      farEntries * VOTE_ENTRY_MAX_BYTES,
    futureMessageBytes: members * (MAX_VALUES_PER_VALIDATOR * proposalEntryMaxBytes(limits) + 2 * MAX_FUTURE_ROUNDS * VOTE_ENTRY_MAX_BYTES),
    taskQueue: TASK_QUEUE_MAX,
  };
}

export interface WalViolation {
  readonly kind: 'wal-unreadable' | 'wal-bound' | 'proposal-poisoned';
  readonly message: string;
}

interface HeightLog {
  /** Distinct entries (by what they say) and how many copies of each were written. */
  readonly copies: Map<string, number>;
  bytes: number;
  /** slot -> distinct values (hex) logged for it. */
  readonly slots: Map<string, Set<string>>;
  /** signer -> entries beyond the round window. */
  readonly far: Map<MemberId, number>;
  /** Block hashes (hex) proposed at this height, as logged: the values a slot may hold beyond the free ones. */
  readonly proposed: Set<string>;
}

/**
 * Follows what one member writes to its WAL (as the store wrapper sees it) and names the first
 * entry that breaks a bound. Kept across the member's restarts: a height's log is what the
 * store holds for it, whichever incarnation wrote it.
 */
export class WalAudit {
  private readonly heights = new Map<number, HeightLog>();
  /** Largest figures seen, for the report. */
  maxEntriesPerHeight = 0;
  maxBytesPerHeight = 0;
  maxCopiesOfOneEntry = 0;

  constructor(
    private readonly member: MemberId,
    private readonly limits: WireLimits,
    private readonly bounds: ResourceBounds,
  ) {}

  private log(height: number): HeightLog {
    let log = this.heights.get(height);
    if (log === undefined) {
      log = { copies: new Map(), bytes: 0, slots: new Map(), far: new Map(), proposed: new Set() };
      this.heights.set(height, log);
    }
    return log;
  }

  /**
   * An entry was appended for `height` while the node was at `nodeRound`; `highestRound` is the
   * highest round an honest node has reached at that height. Returns a violation or null.
   */
  appended(height: number, entry: Uint8Array, nodeRound: number, highestRound: number, checkBounds: boolean): WalViolation | null {
    let decoded: WalEntry;
    try {
      decoded = decodeWalEntry(entry, this.limits);
    } catch (error) {
      return { kind: 'wal-unreadable', message: `${this.member} wrote a WAL entry of ${entry.byteLength} bytes at height ${height} that its own decoder refuses (${(error as Error).message})` };
    }
    const poisoned = poisonedProposal(decoded);
    if (poisoned !== null) return { kind: 'proposal-poisoned', message: `${this.member} fed its state machine a proposal ${poisoned} (height ${height}); the genuine copy is then dropped as already held` };
    const log = this.log(height);
    const key = entryKey(decoded);
    if (key.proposedHash !== null) log.proposed.add(key.proposedHash);
    const copies = (log.copies.get(key.id) ?? 0) + 1;
    log.copies.set(key.id, copies);
    this.maxCopiesOfOneEntry = Math.max(this.maxCopiesOfOneEntry, copies);
    if (copies > 1) return null;
    log.bytes += entry.byteLength;
    const entries = log.copies.size;
    this.maxEntriesPerHeight = Math.max(this.maxEntriesPerHeight, entries);
    this.maxBytesPerHeight = Math.max(this.maxBytesPerHeight, log.bytes);
    if (!checkBounds) return null;
    const rounds = Math.max(nodeRound, highestRound);
    if (entries > this.bounds.walEntries(rounds)) {
      return { kind: 'wal-bound', message: `${this.member}'s WAL holds ${entries} distinct entries at height ${height}, above the bound of ${this.bounds.walEntries(rounds)} (highest round ${rounds})` };
    }
    if (log.bytes > this.bounds.walBytes(rounds)) {
      return { kind: 'wal-bound', message: `${this.member}'s WAL holds ${log.bytes} bytes at height ${height}, above the bound of ${this.bounds.walBytes(rounds)} (highest round ${rounds})` };
    }
    if (key.signer === null) return null;
    if (key.round > nodeRound + MAX_FUTURE_ROUNDS) {
      const far = (log.far.get(key.signer) ?? 0) + 1;
      log.far.set(key.signer, far);
      if (far > FAR_ROUND_ENTRIES_PER_SIGNER) {
        return { kind: 'wal-bound', message: `${this.member}'s WAL holds ${far} entries by ${key.signer} beyond the round window at height ${height} (round ${key.round} while at ${nodeRound}), above ${FAR_ROUND_ENTRIES_PER_SIGNER}` };
      }
      return null;
    }
    let values = log.slots.get(key.slot);
    if (values === undefined) {
      values = new Set();
      log.slots.set(key.slot, values);
    }
    values.add(key.value);
    const counted = key.kind === 'proposal' || values.size <= MAX_VALUES_PER_VALIDATOR || key.value === 'nil' || log.proposed.has(key.value);
    if (!counted) {
      return {
        kind: 'wal-bound',
        message: `${this.member}'s WAL holds ${values.size} values of ${key.signer} for one slot (height ${height}, ${key.slot}), the last neither nil nor a proposed block: above the ${MAX_VALUES_PER_VALIDATOR} the machine counts`,
      };
    }
    if (key.kind === 'proposal' && values.size > MAX_VALUES_PER_VALIDATOR) {
      return { kind: 'wal-bound', message: `${this.member}'s WAL holds ${values.size} proposals of ${key.signer} for one round (height ${height}, ${key.slot}), above the ${MAX_VALUES_PER_VALIDATOR} the machine keeps` };
    }
    return null;
  }

  /**
   * The member restarted with `entries` in its WAL for `height` (what survived the crash): the
   * counts start again from them, since a crash may have dropped unsynced entries.
   */
  restarted(height: number, entries: readonly Uint8Array[]): void {
    this.heights.clear();
    const log = this.log(height);
    for (const [i, entry] of entries.entries()) {
      let id = `unreadable/${i}`;
      try {
        const key = entryKey(decodeWalEntry(entry, this.limits));
        id = key.id;
        if (key.proposedHash !== null) log.proposed.add(key.proposedHash);
      } catch {
        // counted apart: it was reported when it was written
      }
      if (!log.copies.has(id)) log.bytes += entry.byteLength;
      log.copies.set(id, (log.copies.get(id) ?? 0) + 1);
    }
  }

  pruned(belowHeight: number): void {
    for (const height of this.heights.keys()) if (height < belowHeight) this.heights.delete(height);
  }
}

/** What an entry says, so copies of one input count once: a peer's input by slot and value; and the block it proposes, if any. */
function entryKey(entry: WalEntry): { id: string; signer: MemberId | null; round: number; slot: string; value: string; kind: 'vote' | 'proposal' | null; proposedHash: string | null } {
  switch (entry.kind) {
    case 'signedVote':
      return { id: `own/${entry.vote.round}/${entry.vote.type}`, signer: null, round: entry.vote.round, slot: '', value: '', kind: null, proposedHash: null };
    case 'signedProposal':
      return { id: `own/${entry.proposal.round}/proposal`, signer: null, round: entry.proposal.round, slot: '', value: '', kind: null, proposedHash: toHex(entry.proposal.blockHash) };
    case 'input': {
      const event = entry.event;
      if (event.kind === 'timeout') return { id: `timeout/${event.round}/${event.step}`, signer: null, round: event.round, slot: '', value: '', kind: null, proposedHash: null };
      if (event.kind === 'vote') {
        const { vote } = event;
        const slot = `${vote.round}/${vote.validator}/${vote.type}`;
        const value = vote.blockHash === null ? 'nil' : toHex(vote.blockHash);
        return { id: `${slot}/${value}`, signer: vote.validator, round: vote.round, slot, value, kind: 'vote', proposedHash: null };
      }
      const { proposal } = event;
      const slot = `${proposal.round}/${proposal.proposer}/proposal`;
      const value = toHex(proposal.blockHash);
      return { id: `${slot}/${value}`, signer: proposal.proposer, round: proposal.round, slot, value, kind: 'proposal', proposedHash: value };
    }
  }
}

/** A peer's proposal whose body does not hash to what its proposer signed: how, or null. */
function poisonedProposal(entry: WalEntry): string | null {
  if (entry.kind !== 'input' || entry.event.kind !== 'proposal') return null;
  const { proposal, block } = entry.event;
  const what = `by ${proposal.proposer} for round ${proposal.round}`;
  if (!bytesEqual(blockHash(block), proposal.blockHash)) return `${what} whose header does not hash to the signed hash`;
  if (!bytesEqual(block.header.txsHash, txsHash(block.txs))) return `${what} whose transactions do not hash to its header`;
  return null;
}
