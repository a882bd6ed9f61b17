import { toHex } from '../crypto/hash.js';
import { encodeKeyValueTx } from '../kv-app.js';
import { decodeConsensusMessage, encodeConsensusMessage, type ConsensusMessage } from '../node/wire.js';
import { voteSignBytes } from '../signing.js';
import type { Block } from '../types.js';
import { othersOf, type ByzantineBehaviour, type ByzantineContext } from './byzantine.js';

/**
 * Proposal poisoning: a well-connected member (its links are fast) relays each honest proposal
 * at once with a body that does not hash to what the proposer signed: a transaction dropped or
 * added (the header's txsHash no longer matches), or the header changed (the block hash no longer
 * matches). The proposer's signature is untouched, so the copy authenticates; a node that takes
 * the first copy of a hash as the proposal and drops later ones as already held prevotes nil.
 * To make the poisoning decide the round, the member withholds its own proposals and votes nil.
 */

/** Proposals it remembers having tampered, by signature (a bounded window: only recent heights matter). */
const REMEMBERED_PROPOSALS = 64;

export function createProposalTamperer(context: ByzantineContext): ByzantineBehaviour {
  const { random, limits, self, stats, chainId, signer } = context;
  const tampered = new Map<string, Uint8Array>();
  const nilVotes = new Map<string, Uint8Array>();

  const tamper = (message: Extract<ConsensusMessage, { kind: 'proposal' }>): Uint8Array => {
    const key = toHex(message.proposal.signature);
    const known = tampered.get(key);
    if (known !== undefined) return known;
    const { block } = message;
    let body: Block;
    const mode = random.int(0, 2);
    if (mode === 0 && block.txs.length > 0) {
      body = { ...block, txs: block.txs.slice(0, -1) };
    } else if (mode <= 1) {
      body = { ...block, txs: [...block.txs, encodeKeyValueTx({ key: 'poison', value: String(random.int(0, 1_000_000)), nonce: random.int(0, 1_000_000) })] };
    } else {
      body = { ...block, header: { ...block.header, timeMs: block.header.timeMs + 1 } };
    }
    const payload = encodeConsensusMessage({ kind: 'proposal', proposal: message.proposal, block: body });
    if (tampered.size >= REMEMBERED_PROPOSALS) tampered.delete(tampered.keys().next().value!);
    tampered.set(key, payload);
    return payload;
  };

  /** Its own vote for a block becomes a vote for nil (signed once per slot: no equivocation). */
  const nilVersion = (message: Extract<ConsensusMessage, { kind: 'vote' }>): Uint8Array => {
    const { vote } = message;
    const slot = `${vote.height}/${vote.round}/${vote.type}`;
    let payload = nilVotes.get(slot);
    if (payload === undefined) {
      const nil = { type: vote.type, height: vote.height, round: vote.round, blockHash: null, validator: self };
      payload = encodeConsensusMessage({ kind: 'vote', vote: { ...nil, signature: signer.sign(voteSignBytes(chainId, nil)) } });
      if (nilVotes.size >= REMEMBERED_PROPOSALS) nilVotes.delete(nilVotes.keys().next().value!);
      nilVotes.set(slot, payload);
    }
    return payload;
  };

  let lastPayload: Uint8Array | null = null;
  let lastFrames: readonly Uint8Array[] = [];
  const rewritten = (payload: Uint8Array): readonly Uint8Array[] => {
    const message = decodeConsensusMessage(payload, limits);
    if (message.kind === 'proposal') {
      if (message.proposal.proposer !== self) {
        stats.tamperedProposals += 1;
        return [tamper(message)];
      }
      stats.withheldMessages += 1;
      return [];
    }
    if (message.kind === 'vote' && message.vote.validator === self && message.vote.blockHash !== null) return [nilVersion(message)];
    return [payload];
  };

  return {
    rewrite: (_to, channel, payload) => {
      if (channel !== 'consensus') return [payload];
      if (payload !== lastPayload) {
        lastPayload = payload;
        lastFrames = rewritten(payload);
      }
      return lastFrames;
    },
    received: (from, channel, payload) => {
      if (channel !== 'consensus') return;
      let message: ConsensusMessage;
      try {
        message = decodeConsensusMessage(payload, limits);
      } catch {
        return;
      }
      if (message.kind !== 'proposal' || message.proposal.proposer === self) return;
      const key = toHex(message.proposal.signature);
      if (tampered.has(key)) return;
      const poisoned = tamper(message);
      for (const to of othersOf(context)) {
        if (to === from || to === message.proposal.proposer) continue;
        stats.tamperedProposals += 1;
        context.transport.sendRaw(to, 'consensus', poisoned);
      }
    },
  };
}
