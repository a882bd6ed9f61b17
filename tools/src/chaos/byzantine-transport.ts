import {
  blockHash,
  decodeConsensusMessage,
  decodeTxBatch,
  encodeConsensusMessage,
  encodeKeyValueTx,
  encodeTxBatch,
  proposalSignBytes,
  voteSignBytes,
  type ConsensusMessage,
  type InvalidMessageKind,
  type MessageChannel,
  type RequestChannel,
  type Transport,
  type WireLimits,
} from '@consortium/consensus';
import { randomBytes, randomInt } from 'node:crypto';
import { ProofCorrupter, type CorruptedProofFigures } from './byzantine-proofs.js';

/**
 * A member's transport that misbehaves: the member runs the honest node (apps/node, through
 * StartNodeOptions.wrapTransport) and this changes what it sends, the way the simulator's
 * Byzantine members do (libs/consensus/src/sim/byzantine*.ts), over real libp2p:
 *
 * - `equivocate`: every proposal and vote of its own gets a conflicting version, signed with
 *   the member's key (a proposal for another block; a vote for nil instead of a block, or for a
 *   random hash instead of nil). Half the members get the conflicting version, one gets both,
 *   so evidence is produced and a quorum of the honest ones still decides.
 * - `malformed`: random bytes on the consensus channel to every member, twice a second.
 * - `spam`: tx batches of valid and undecodable transactions to every member, ten a second.
 * - `invalid-proofs` (a settlement chain): its own statements go out with a valid-looking but
 *   invalid proof, signed again with its key, in tx gossip always and in its proposals the first
 *   time it proposes each (byzantine-proofs.ts). A rewritten proposal a peer relays back is
 *   dropped: the member knows its own lie, and its node must not take it for a signature of its
 *   key it does not remember (a stale store).
 */

export const BYZANTINE_BEHAVIOURS = ['equivocate', 'malformed', 'spam', 'invalid-proofs'] as const;
export type ByzantineBehaviour = (typeof BYZANTINE_BEHAVIOURS)[number];
/** What the key-value devnet's byzantine scenario does (invalid-proofs needs settlement statements). */
export const KEY_VALUE_BEHAVIOURS = ['equivocate', 'malformed', 'spam'] as const satisfies readonly ByzantineBehaviour[];

export interface ByzantineTransportOptions {
  readonly chainId: string;
  readonly self: string;
  readonly signer: { sign(message: Uint8Array): Uint8Array };
  readonly limits: WireLimits;
  readonly behaviours: ReadonlySet<ByzantineBehaviour>;
}

export interface ByzantineCounts {
  equivocations: number;
  malformedFrames: number;
  spamTxs: number;
  invalidTxs: number;
}

interface Decision {
  readonly conflicting: Uint8Array;
  readonly bothTo: string;
}

export class ByzantineTransport implements Transport {
  readonly counts: ByzantineCounts = { equivocations: 0, malformedFrames: 0, spamTxs: 0, invalidTxs: 0 };
  private readonly timers: NodeJS.Timeout[] = [];
  /** The last payload's decision: a broadcast is split the same way for every recipient. */
  private last: { readonly payload: Uint8Array; readonly decision: Decision | null } | null = null;
  private spamNonce = 0;
  private readonly proofs: ProofCorrupter | null;
  /** The last tx frame's rewrite (a broadcast sends one payload to every member): the frame and its corrupted statements, or null. */
  private lastTxFrame: { readonly payload: Uint8Array; readonly rewritten: { readonly frame: Uint8Array; readonly statements: number } | null } | null = null;
  /** The last consensus frame's rewrite, for the same reason. */
  private lastProposal: { readonly payload: Uint8Array; readonly frame: Uint8Array } | null = null;

  constructor(
    private readonly inner: Transport,
    private readonly options: ByzantineTransportOptions,
  ) {
    this.proofs = options.behaviours.has('invalid-proofs') ? new ProofCorrupter({ member: options.self, chainId: options.chainId, signer: options.signer }) : null;
    // Noise starts once it has equivocated (at once when it does not equivocate): malformed
    // frames get it disconnected and backed off, and a restarted node signs nothing before it
    // has heard a quorum's statuses, so noise from the start could keep it from ever signing.
    if (!options.behaviours.has('equivocate')) this.startNoise();
  }

  broadcast(channel: MessageChannel, payload: Uint8Array): void {
    for (const to of this.inner.connectedMembers()) this.send(to, channel, payload);
  }

  send(to: string, channel: MessageChannel, payload: Uint8Array): void {
    const frame = this.withInvalidProofs(channel, payload);
    for (const out of this.rewrite(to, channel, frame)) this.inner.send(to, channel, out);
  }

  /** What `invalid-proofs` did so far (null without it). */
  corruptedProofs(): CorruptedProofFigures | null {
    return this.proofs?.figures() ?? null;
  }

  request(to: string, channel: RequestChannel, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return this.inner.request(to, channel, payload, timeoutMs);
  }

  onMessage(channel: MessageChannel, handler: (from: string, payload: Uint8Array) => void): void {
    const proofs = this.proofs;
    if (channel !== 'consensus' || proofs === null) {
      this.inner.onMessage(channel, handler);
      return;
    }
    this.inner.onMessage(channel, (from, payload) => {
      if (!proofs.isRewrittenProposal(this.decodeOrNull(payload))) handler(from, payload);
    });
  }

  onRequest(channel: RequestChannel, handler: (from: string, payload: Uint8Array) => Promise<Uint8Array>): void {
    this.inner.onRequest(channel, handler);
  }

  connectedMembers(): readonly string[] {
    return this.inner.connectedMembers();
  }

  reportInvalid(from: string, kind: InvalidMessageKind): void {
    this.inner.reportInvalid(from, kind);
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  private startNoise(): void {
    if (this.options.behaviours.has('malformed')) this.every(500, () => this.sendMalformed());
    if (this.options.behaviours.has('spam')) this.every(100, () => this.sendSpam());
  }

  private every(periodMs: number, act: () => void): void {
    const timer = setInterval(act, periodMs);
    timer.unref();
    this.timers.push(timer);
  }

  /** `payload` with the member's statements corrupted (invalid-proofs), or as it is. */
  private withInvalidProofs(channel: MessageChannel, payload: Uint8Array): Uint8Array {
    const proofs = this.proofs;
    if (proofs === null) return payload;
    if (channel === 'tx') {
      if (this.lastTxFrame?.payload !== payload) this.lastTxFrame = { payload, rewritten: this.corruptTxFrame(proofs, payload) };
      const { rewritten } = this.lastTxFrame;
      if (rewritten === null) return payload;
      proofs.sentGossip(rewritten.statements);
      return rewritten.frame;
    }
    if (channel !== 'consensus') return payload;
    if (this.lastProposal?.payload !== payload) {
      const message = this.decodeOrNull(payload);
      const rewritten = message === null ? null : proofs.proposal(message);
      this.lastProposal = { payload, frame: rewritten === null ? payload : encodeConsensusMessage(rewritten) };
    }
    return this.lastProposal.frame;
  }

  private corruptTxFrame(proofs: ProofCorrupter, payload: Uint8Array): { frame: Uint8Array; statements: number } | null {
    let txs: Uint8Array[];
    try {
      txs = decodeTxBatch(payload, this.options.limits);
    } catch {
      return null;
    }
    const corrupted = proofs.gossip(txs);
    if (corrupted === null) return null;
    return { frame: encodeTxBatch(corrupted), statements: corrupted.filter((tx, i) => tx !== txs[i]).length };
  }

  private decodeOrNull(payload: Uint8Array): ConsensusMessage | null {
    try {
      return decodeConsensusMessage(payload, this.options.limits);
    } catch {
      return null;
    }
  }

  private rewrite(to: string, channel: MessageChannel, payload: Uint8Array): Uint8Array[] {
    if (channel !== 'consensus' || !this.options.behaviours.has('equivocate')) return [payload];
    if (this.last?.payload !== payload) this.last = { payload, decision: this.decide(payload) };
    const { decision } = this.last;
    if (decision === null) return [payload];
    if (to === decision.bothTo) return [payload, decision.conflicting];
    const others = this.inner.connectedMembers();
    return others.indexOf(to) % 2 === 1 ? [decision.conflicting] : [payload];
  }

  private decide(payload: Uint8Array): Decision | null {
    const message = decodeConsensusMessage(payload, this.options.limits);
    const conflicting = this.conflictingVersion(message);
    if (conflicting === null) return null;
    const others = this.inner.connectedMembers();
    if (others.length === 0) return null;
    this.counts.equivocations += 1;
    if (this.counts.equivocations === 1) this.startNoise();
    return { conflicting, bothTo: others[randomInt(others.length)]! };
  }

  /** Another signed version of one of its own messages (null for what it relays or a status). */
  private conflictingVersion(message: ConsensusMessage): Uint8Array | null {
    const { chainId, signer, self } = this.options;
    if (message.kind === 'proposal' && message.proposal.proposer === self) {
      const block = { ...message.block, header: { ...message.block.header, timeMs: message.block.header.timeMs + 1 } };
      const proposal = { ...message.proposal, blockHash: blockHash(block) };
      return encodeConsensusMessage({ kind: 'proposal', block, proposal: { ...proposal, signature: signer.sign(proposalSignBytes(chainId, proposal)) } });
    }
    if (message.kind === 'vote' && message.vote.validator === self) {
      const { signature: _signature, ...honest } = message.vote;
      const vote = { ...honest, blockHash: honest.blockHash === null ? new Uint8Array(randomBytes(32)) : null };
      return encodeConsensusMessage({ kind: 'vote', vote: { ...vote, signature: signer.sign(voteSignBytes(chainId, vote)) } });
    }
    return null;
  }

  private sendMalformed(): void {
    for (const to of this.inner.connectedMembers()) {
      this.inner.send(to, 'consensus', new Uint8Array(randomBytes(1 + randomInt(512))));
      this.counts.malformedFrames += 1;
    }
  }

  private sendSpam(): void {
    const txs: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      const nonce = this.spamNonce++;
      txs.push(encodeKeyValueTx({ key: `spam-${this.options.self}-${nonce % 16}`, value: 'x'.repeat(64), nonce }));
    }
    for (let i = 0; i < 5; i++) txs.push(new Uint8Array(randomBytes(8 + randomInt(64))));
    const frame = encodeTxBatch(txs);
    for (const to of this.inner.connectedMembers()) {
      this.inner.send(to, 'tx', frame);
      this.counts.spamTxs += 20;
      this.counts.invalidTxs += 5;
    }
  }
}
