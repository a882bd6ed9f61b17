import {
  blockHash,
  decodeConsensusMessage,
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
 */

export const BYZANTINE_BEHAVIOURS = ['equivocate', 'malformed', 'spam'] as const;
export type ByzantineBehaviour = (typeof BYZANTINE_BEHAVIOURS)[number];

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

  constructor(
    private readonly inner: Transport,
    private readonly options: ByzantineTransportOptions,
  ) {
    if (options.behaviours.has('malformed')) this.every(500, () => this.sendMalformed());
    if (options.behaviours.has('spam')) this.every(100, () => this.sendSpam());
  }

  broadcast(channel: MessageChannel, payload: Uint8Array): void {
    for (const to of this.inner.connectedMembers()) this.send(to, channel, payload);
  }

  send(to: string, channel: MessageChannel, payload: Uint8Array): void {
    for (const frame of this.rewrite(to, channel, payload)) this.inner.send(to, channel, frame);
  }

  request(to: string, channel: RequestChannel, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return this.inner.request(to, channel, payload, timeoutMs);
  }

  onMessage(channel: MessageChannel, handler: (from: string, payload: Uint8Array) => void): void {
    this.inner.onMessage(channel, handler);
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

  private every(periodMs: number, act: () => void): void {
    const timer = setInterval(act, periodMs);
    timer.unref();
    this.timers.push(timer);
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
