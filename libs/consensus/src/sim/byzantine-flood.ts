import { blockHash, txsHash } from '../block.js';
import { toHex } from '../crypto/hash.js';
import { MAX_ROUND } from '../encoding/codec.js';
import { encodeKeyValueTx } from '../kv-app.js';
import { decodeConsensusMessage, encodeConsensusMessage, encodeTxBatch } from '../node/wire.js';
import { proposalSignBytes, voteSignBytes } from '../signing.js';
import { MAX_FUTURE_ROUNDS } from '../state/machine.js';
import type { Block, Proposal, Vote } from '../types.js';
import { every, othersOf, type ByzantineBehaviour, type ByzantineContext } from './byzantine.js';

/**
 * Floods one member can send with valid signatures, each aimed at a bound the honest nodes
 * must keep: far rounds and far heights (WAL, future-message buffer, work per message), third
 * and further equivocations with extra large proposals (WAL bytes, buffer bytes), and
 * transactions (mempool share, reporting of invalid ones).
 */

/** Far-round votes signed per second (under the consensus rate limit, with room for the honest traffic). */
const FAR_VOTES_PER_SECOND = 40;

export function createFarRoundFlooder(context: ByzantineContext): ByzantineBehaviour {
  const { random, signer, chainId, self, stats } = context;
  return {
    start: () => {
      const others = othersOf(context);
      every(context, Math.round(1000 / FAR_VOTES_PER_SECOND), () => {
        const { height, round } = context.status();
        const roll = random.int(0, 3);
        // Half beyond the machine's round window at the current height (logged, then ignored);
        // a quarter at the next height (buffered until it is reached); a quarter far ahead.
        const voteHeight = roll <= 1 ? height : roll === 2 ? height + 1 : height + random.int(2, 1_000_000);
        const voteRound = roll <= 1 ? random.int(Math.min(MAX_ROUND, round + MAX_FUTURE_ROUNDS + 1), MAX_ROUND) : random.int(0, MAX_ROUND);
        const vote: Vote = {
          type: random.chance(0.5) ? 'prevote' : 'precommit',
          height: voteHeight,
          round: voteRound,
          blockHash: random.chance(0.5) ? null : random.bytes(32),
          validator: self,
        };
        const payload = encodeConsensusMessage({ kind: 'vote', vote: { ...vote, signature: signer.sign(voteSignBytes(chainId, vote)) } });
        stats.farRoundVotes += 1;
        for (const to of others) context.transport.sendRaw(to, 'consensus', payload);
      });
    },
  };
}

/** Conflicting votes added to each of its own votes: the second, third ... values of one slot. */
const EXTRA_VOTE_VALUES = 3;
/** Large proposals added to each of its own proposals, and sent ahead for its turns of the next height. */
const EXTRA_PROPOSALS = 4;

export function createEquivocationFlooder(context: ByzantineContext): ByzantineBehaviour {
  const { random, signer, chainId, self, stats, limits, validators } = context;
  // One body for every large proposal, about a full block of transactions: each proposal differs
  // in its header (time) only, so each has its own hash at the cost of one encoding.
  const fillerTxs: Uint8Array[] = [];
  let fillerBytes = 0;
  const fillerTxBytes = Math.min(limits.txMaxBytes, 16 * 1024);
  while (fillerBytes + fillerTxBytes <= limits.blockMaxBytes * 0.9 && fillerTxs.length < limits.blockMaxTxs) {
    const tx = encodeKeyValueTx({ key: `filler-${fillerTxs.length}`, value: 'x'.repeat(Math.max(1, fillerTxBytes - 40)), nonce: fillerTxs.length });
    fillerTxs.push(tx);
    fillerBytes += tx.byteLength;
  }
  const fillerTxsHash = txsHash(fillerTxs);

  const largeProposal = (height: number, round: number, timeMs: number): Uint8Array => {
    const block: Block = {
      header: {
        chainId,
        height,
        timeMs,
        proposer: self,
        previousBlockHash: random.bytes(32),
        lastCommitHash: random.bytes(32),
        txsHash: fillerTxsHash,
        appHash: random.bytes(32),
      },
      txs: fillerTxs,
      lastCommit: null,
    };
    const proposal: Proposal = { height, round, polRound: -1, blockHash: blockHash(block), proposer: self };
    stats.largeProposals += 1;
    return encodeConsensusMessage({ kind: 'proposal', proposal: { ...proposal, signature: signer.sign(proposalSignBytes(chainId, proposal)) }, block });
  };

  let lastPayload: Uint8Array | null = null;
  let lastFrames: readonly Uint8Array[] = [];
  const extrasFor = (payload: Uint8Array): readonly Uint8Array[] => {
    const message = decodeConsensusMessage(payload, limits);
    if (message.kind === 'vote' && message.vote.validator === self) {
      const extras: Uint8Array[] = [];
      for (let i = 0; i < EXTRA_VOTE_VALUES; i++) {
        const vote: Vote = { ...message.vote, blockHash: random.bytes(32) };
        extras.push(encodeConsensusMessage({ kind: 'vote', vote: { ...vote, signature: signer.sign(voteSignBytes(chainId, vote)) } }));
      }
      stats.extraEquivocations += extras.length;
      return [payload, ...extras];
    }
    if (message.kind === 'proposal' && message.proposal.proposer === self) {
      const { height, round } = message.proposal;
      const extras: Uint8Array[] = [];
      for (let i = 0; i < EXTRA_PROPOSALS; i++) extras.push(largeProposal(height, round, message.block.header.timeMs + 1 + i));
      stats.extraEquivocations += extras.length;
      return [payload, ...extras];
    }
    return [payload];
  };

  // Its turns of the next height, sent as soon as it sees a new height: buffered by whoever is behind.
  let aheadFor = 0;
  const sendAhead = () => {
    const { height } = context.status();
    if (height === aheadFor) return;
    aheadFor = height;
    const next = height + 1;
    const frames: Uint8Array[] = [];
    for (let round = 0; round < MAX_FUTURE_ROUNDS && frames.length < EXTRA_PROPOSALS; round++) {
      if (validators.proposer(next, round) === self) frames.push(largeProposal(next, round, context.clock.nowMs() + round));
    }
    for (const to of othersOf(context)) for (const frame of frames) context.transport.sendRaw(to, 'consensus', frame);
  };

  return {
    rewrite: (_to, channel, payload) => {
      if (channel !== 'consensus') return [payload];
      if (payload !== lastPayload) {
        lastPayload = payload;
        lastFrames = extrasFor(payload);
      }
      return lastFrames;
    },
    start: () => every(context, 100, sendAhead),
  };
}

/** Valid transactions gossiped per tick, and invalid ones every few ticks. */
const FLOOD_TXS_PER_TICK = 200;
const FLOOD_TICK_MS = 100;
const INVALID_TXS_PER_BATCH = 16;

/** `submitted` registers each valid transaction with the validity check (they may be committed). */
export function createTxFlooder(context: ByzantineContext, submitted: (tx: Uint8Array) => void): ByzantineBehaviour {
  const { random, self, stats } = context;
  let nonce = 0;
  let tick = 0;
  return {
    start: () => {
      const others = othersOf(context);
      every(context, FLOOD_TICK_MS, () => {
        tick += 1;
        const txs: Uint8Array[] = [];
        for (let i = 0; i < FLOOD_TXS_PER_TICK; i++) {
          // Few keys: the application state (and its snapshot per block) stays small.
          const tx = encodeKeyValueTx({ key: `flood-${self}-${nonce % 16}`, value: 'f', nonce: nonce++ });
          submitted(tx);
          txs.push(tx);
        }
        stats.floodTxs += txs.length;
        const batch = encodeTxBatch(txs);
        for (const to of others) context.transport.sendRaw(to, 'tx', batch);
        if (tick % 5 !== 0) return;
        // Not key-value transactions: every honest node's checkTx refuses them.
        const invalid = Array.from({ length: INVALID_TXS_PER_BATCH }, () => Uint8Array.of(0xff, ...random.bytes(7)));
        const invalidBatch = encodeTxBatch(invalid);
        for (const tx of invalid) stats.invalidTxSenders.set(toHex(tx), self);
        for (const to of others) {
          context.transport.sendRaw(to, 'tx', invalidBatch);
          stats.invalidTxs += invalid.length;
          stats.invalidTxsTo.set(to, (stats.invalidTxsTo.get(to) ?? 0) + invalid.length);
        }
      });
    },
  };
}
