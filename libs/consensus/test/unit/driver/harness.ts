import { blockHash, certificateHash, genesisHash, txsHash } from '../../../src/block.js';
import { ed25519KeyPairFromSeed, Ed25519Signer } from '../../../src/crypto/ed25519.js';
import { DEFAULT_CONSENSUS_PARAMS, type ConsensusParams, type Genesis, type MemberId } from '../../../src/genesis/types.js';
import { KeyValueApplication, encodeKeyValueTx } from '../../../src/kv-app.js';
import { Mempool } from '../../../src/mempool/index.js';
import type { Clock, TimerHandle } from '../../../src/node/clock.js';
import { ConsensusNode, type ConsensusNodeOptions } from '../../../src/node/consensus-node.js';
import { decodeConsensusMessage, encodeConsensusMessage, type ConsensusMessage } from '../../../src/node/wire.js';
import { proposalSignBytes, voteSignBytes } from '../../../src/signing.js';
import { MemoryChainStore } from '../../../src/store/index.js';
import type { InvalidMessageKind, MessageChannel, RequestChannel, Transport } from '../../../src/transport.js';
import type { Block, CommitCertificate, Hash, SignedProposal, SignedVote, VoteType } from '../../../src/types.js';
import { ValidatorSet } from '../../../src/validators.js';

/**
 * Driver tests run one real ConsensusNode (real state machine, real memory store, real
 * mempool and key-value application) against peers the test scripts: their messages are signed
 * with their real keys, their requests answered by the test. Time is a manual clock.
 */

/** Timers fire only when the test moves time forward: a test controls every timeout. */
export class ManualClock implements Clock {
  private now: number;
  private nextId = 1;
  private readonly timers = new Map<number, { readonly atMs: number; readonly callback: () => void }>();

  constructor(startMs = 1_700_000_000_000) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { atMs: this.now + Math.max(0, delayMs), callback });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id as number);
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in time order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [number, { atMs: number; callback: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].atMs <= end && (next === undefined || entry[1].atMs < next[1].atMs)) next = entry;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.now = Math.max(this.now, next[1].atMs);
      next[1].callback();
    }
    this.now = end;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}

export interface SentFrame {
  readonly to: MemberId | null;
  readonly channel: MessageChannel;
  readonly payload: Uint8Array;
}

/** A request the node made, answered by `respond` (or left hanging until its timeout). */
export type Responder = (to: MemberId, payload: Uint8Array) => Promise<Uint8Array>;

export class TransportTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
}

/**
 * The node's view of the network, scripted by the test. Like libs/p2p, a frame that arrives
 * before a handler is registered is dropped, a request times out after its timeout, and a
 * payload over a channel's frame limit throws (OversizedPayloadError in p2p).
 */
export class ScriptedTransport implements Transport {
  readonly sent: SentFrame[] = [];
  readonly invalid: { readonly from: MemberId; readonly kind: InvalidMessageKind }[] = [];
  readonly droppedBeforeHandler: { readonly from: MemberId; readonly channel: MessageChannel }[] = [];
  readonly requests: { readonly to: MemberId; readonly payload: Uint8Array }[] = [];
  connected: MemberId[];
  respond: Responder = () => new Promise<Uint8Array>(() => {});
  /** Frame limits the transport enforces on what it is asked to send (p2p's: consensus 8 MiB, tx 1 MiB). */
  frameMaxBytes: Partial<Record<MessageChannel, number>> = {};
  private readonly messageHandlers = new Map<MessageChannel, (from: MemberId, payload: Uint8Array) => void>();
  private requestHandler: ((from: MemberId, payload: Uint8Array) => Promise<Uint8Array>) | null = null;

  constructor(
    private readonly clock: Clock,
    peers: readonly MemberId[],
  ) {
    this.connected = [...peers];
  }

  broadcast(channel: MessageChannel, payload: Uint8Array): void {
    this.checkSize(channel, payload);
    this.sent.push({ to: null, channel, payload });
  }

  send(to: MemberId, channel: MessageChannel, payload: Uint8Array): void {
    this.checkSize(channel, payload);
    this.sent.push({ to, channel, payload });
  }

  request(to: MemberId, _channel: RequestChannel, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    this.requests.push({ to, payload });
    return new Promise<Uint8Array>((resolve, reject) => {
      let settled = false;
      const timer = this.clock.setTimer(timeoutMs, () => {
        if (settled) return;
        settled = true;
        reject(new TransportTimeoutError(`request to ${to} timed out after ${timeoutMs} ms`));
      });
      this.respond(to, payload).then(
        (response) => {
          if (settled) return;
          settled = true;
          this.clock.clearTimer(timer);
          resolve(response);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          this.clock.clearTimer(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  onMessage(channel: MessageChannel, handler: (from: MemberId, payload: Uint8Array) => void): void {
    this.messageHandlers.set(channel, handler);
  }

  onRequest(_channel: RequestChannel, handler: (from: MemberId, payload: Uint8Array) => Promise<Uint8Array>): void {
    this.requestHandler = handler;
  }

  connectedMembers(): readonly MemberId[] {
    return this.connected;
  }

  reportInvalid(from: MemberId, kind: InvalidMessageKind): void {
    this.invalid.push({ from, kind });
  }

  /** A frame from `from` arrives. */
  deliver(from: MemberId, channel: MessageChannel, payload: Uint8Array): void {
    const handler = this.messageHandlers.get(channel);
    if (handler === undefined) {
      this.droppedBeforeHandler.push({ from, channel });
      return;
    }
    handler(from, payload);
  }

  deliverMessage(from: MemberId, message: ConsensusMessage): void {
    this.deliver(from, 'consensus', encodeConsensusMessage(message));
  }

  /** `from` asks this node for blocks. */
  serve(from: MemberId, payload: Uint8Array): Promise<Uint8Array> {
    if (this.requestHandler === null) return Promise.reject(new Error('no sync handler registered'));
    return this.requestHandler(from, payload);
  }

  /** Consensus messages sent so far (decoded), optionally from index `since` of `sent`. */
  consensusSent(since = 0): ConsensusMessage[] {
    return this.sent.slice(since).filter((frame) => frame.channel === 'consensus').map((frame) => decodeConsensusMessage(frame.payload, LOOSE_LIMITS));
  }

  votesSent(since = 0): SignedVote[] {
    return this.consensusSent(since).flatMap((message) => (message.kind === 'vote' ? [message.vote] : []));
  }

  private checkSize(channel: MessageChannel, payload: Uint8Array): void {
    const max = this.frameMaxBytes[channel];
    if (max !== undefined && payload.byteLength > max) {
      const error = new Error(`payload of ${payload.byteLength} bytes exceeds the ${channel} limit of ${max} bytes`);
      error.name = 'OversizedPayloadError';
      throw error;
    }
  }
}

const LOOSE_LIMITS = { blockMaxBytes: 64 * 1024 * 1024, blockMaxTxs: 1_000_000, txMaxBytes: 16 * 1024 * 1024 };

/**
 * Production's timeouts (a test steps through them by hand), a short commit pause and 1 MiB
 * blocks; empty blocks without waiting (the empty-blocks tests set an interval).
 */
export const TEST_PARAMS: ConsensusParams = {
  ...DEFAULT_CONSENSUS_PARAMS,
  timeoutCommitMs: 50,
  emptyBlocksIntervalMs: 0,
  blockMaxBytes: 1024 * 1024,
  blockMaxTxs: 1_000,
  txMaxBytes: 64 * 1024,
};

export interface TestConsortium {
  readonly genesis: Genesis;
  readonly ids: readonly MemberId[];
  readonly signers: ReadonlyMap<MemberId, Ed25519Signer>;
  readonly validators: ValidatorSet;
}

export function testConsortium(members: number, params: Partial<ConsensusParams> = {}): TestConsortium {
  const ids = Array.from({ length: members }, (_, i) => `m${i}`);
  const keys = new Map(ids.map((id, i) => [id, ed25519KeyPairFromSeed(new Uint8Array(32).fill(i + 1))]));
  const genesis: Genesis = {
    chainId: 'driver-test',
    genesisTimeMs: 1_600_000_000_000,
    members: ids.map((id, i) => ({ id, operator: id, tadig: `TST${String(i).padStart(2, '0')}`, publicKey: keys.get(id)!.publicKey, peerId: `12D3KooW${'x'.repeat(43)}${'abcdefghijkmnopqrstuvwxyz'[i]}`, votingPower: 1 })),
    consensus: { ...TEST_PARAMS, ...params },
    artifacts: {},
  };
  return { genesis, ids, signers: new Map(ids.map((id) => [id, new Ed25519Signer(keys.get(id)!)])), validators: ValidatorSet.fromGenesis(genesis) };
}

/**
 * The chain as the other members build it: blocks linked to the genesis and to each other,
 * app hashes from a reference key-value application, votes, proposals and certificates signed
 * with the members' keys.
 */
export class ReferenceChain {
  height = 0;
  lastHash: Hash;
  lastTimeMs: number;
  lastCertificate: CommitCertificate | null = null;
  readonly app = new KeyValueApplication();
  appHash: Hash = new Uint8Array(32);

  constructor(readonly consortium: TestConsortium) {
    this.lastHash = genesisHash(consortium.genesis);
    this.lastTimeMs = consortium.genesis.genesisTimeMs;
  }

  proposer(height: number, round: number): MemberId {
    return this.consortium.validators.proposer(height, round);
  }

  /** The next block, proposed by the proposer of (height, round). */
  block(txs: readonly Uint8Array[] = [], options: { readonly round?: number; readonly timeMs?: number } = {}): Block {
    const height = this.height + 1;
    return {
      header: {
        chainId: this.consortium.genesis.chainId,
        height,
        timeMs: options.timeMs ?? this.lastTimeMs + 1,
        proposer: this.proposer(height, options.round ?? 0),
        previousBlockHash: this.lastHash,
        lastCommitHash: certificateHash(this.lastCertificate),
        txsHash: txsHash(txs),
        appHash: this.appHash,
      },
      txs,
      lastCommit: this.lastCertificate,
    };
  }

  proposal(block: Block, round = 0, polRound = -1): SignedProposal {
    const height = block.header.height;
    const proposer = this.proposer(height, round);
    const proposal = { height, round, polRound, blockHash: blockHash(block), proposer };
    return { ...proposal, signature: this.consortium.signers.get(proposer)!.sign(proposalSignBytes(this.consortium.genesis.chainId, proposal)) };
  }

  vote(type: VoteType, validator: MemberId, height: number, round: number, hash: Hash | null): SignedVote {
    const vote = { type, height, round, blockHash: hash, validator };
    return { ...vote, signature: this.consortium.signers.get(validator)!.sign(voteSignBytes(this.consortium.genesis.chainId, vote)) };
  }

  certificate(block: Block, round = 0, signers: readonly MemberId[] = this.quorum()): CommitCertificate {
    const hash = blockHash(block);
    const height = block.header.height;
    const signatures = [...signers].sort().map((validator) => ({ validator, signature: this.vote('precommit', validator, height, round, hash).signature }));
    return { height, round, blockHash: hash, signatures };
  }

  /** The first quorum of members (by genesis order). */
  quorum(except: readonly MemberId[] = []): MemberId[] {
    const { validators, ids } = this.consortium;
    const chosen: MemberId[] = [];
    for (const id of ids) {
      if (except.includes(id)) continue;
      chosen.push(id);
      if (validators.powerOfSet(chosen) >= validators.quorumPower) break;
    }
    return chosen;
  }

  /** Records `block` as committed with `certificate`: the reference app executes it. */
  async commit(block: Block, certificate: CommitCertificate): Promise<void> {
    const result = await this.app.finalizeBlock({ header: block.header, txs: block.txs });
    await this.app.commit();
    this.height = block.header.height;
    this.lastHash = blockHash(block);
    this.lastTimeMs = block.header.timeMs;
    this.lastCertificate = certificate;
    this.appHash = result.appHash;
  }

  /** Builds, certifies and commits the next `count` blocks. */
  async extend(count: number, txsPerBlock = 1): Promise<{ block: Block; certificate: CommitCertificate }[]> {
    const built: { block: Block; certificate: CommitCertificate }[] = [];
    for (let i = 0; i < count; i++) {
      const height = this.height + 1;
      const block = this.block(Array.from({ length: txsPerBlock }, (_, n) => kvTx(`h${height}-${n}`)));
      const certificate = this.certificate(block);
      await this.commit(block, certificate);
      built.push({ block, certificate });
    }
    return built;
  }
}

let kvNonce = 0;
export function kvTx(key: string, valueBytes = 8): Uint8Array {
  return encodeKeyValueTx({ key, value: 'v'.repeat(valueBytes), nonce: kvNonce++ });
}

export interface NodeUnderTest {
  readonly self: MemberId;
  readonly node: ConsensusNode;
  readonly transport: ScriptedTransport;
  readonly clock: ManualClock;
  readonly store: MemoryChainStore;
  readonly app: KeyValueApplication;
  readonly mempool: Mempool;
  readonly logs: { level: string; msg: string | undefined; fields: Record<string, unknown> }[];
  /** Lets every task and promise chain started so far run to completion. */
  settle(): Promise<void>;
}

export interface BootOptions {
  readonly self?: MemberId;
  readonly store?: MemoryChainStore;
  readonly clock?: ManualClock;
  readonly app?: KeyValueApplication;
  readonly transport?: ScriptedTransport;
  readonly start?: boolean;
  readonly options?: Partial<ConsensusNodeOptions>;
}

/** Creates (and by default starts) the node under test as member `self` (m0 by default). */
export async function bootNode(consortium: TestConsortium, boot: BootOptions = {}): Promise<NodeUnderTest> {
  const self = boot.self ?? consortium.ids[0]!;
  const clock = boot.clock ?? new ManualClock();
  const { blockMaxBytes, blockMaxTxs, txMaxBytes } = consortium.genesis.consensus;
  const store = boot.store ?? new MemoryChainStore({ limits: { blockMaxBytes, blockMaxTxs, txMaxBytes } });
  const app = boot.app ?? new KeyValueApplication();
  const transport = boot.transport ?? new ScriptedTransport(clock, consortium.ids.filter((id) => id !== self));
  const mempool = new Mempool(
    { maxTxs: 10_000, maxBytes: 64 * 1024 * 1024, txMaxBytes, recheck: false },
    { app, isCommitted: async (hash) => (await store.findTx(hash)) !== null, metrics: null, nowMs: () => clock.nowMs() },
  );
  const logs: NodeUnderTest['logs'] = [];
  const write = (level: string) => (fields: unknown, msg?: string) => {
    logs.push({ level, msg: typeof fields === 'string' ? fields : msg, fields: typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : {} });
  };
  const logger = { trace: write('trace'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'), fatal: write('fatal'), child: () => logger };
  const node = new ConsensusNode({
    genesis: consortium.genesis,
    self,
    signer: consortium.signers.get(self)!,
    app,
    store,
    mempool,
    transport,
    clock,
    logger: logger as unknown as ConsensusNodeOptions['logger'],
    gossipIntervalMs: 500,
    syncLagGraceMs: 800,
    syncRequestTimeoutMs: 1_000,
    // Scripted peers send no statuses unless a test says so: a restarted node would wait for them
    // (ConsensusNodeOptions.restartSigningGate); the gate's own tests turn it on.
    restartSigningGate: false,
    ...boot.options,
  });
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      await node.idle();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  if (boot.start !== false) {
    await node.start();
    await settle();
  }
  return { self, node, transport, clock, store, app, mempool, logs, settle };
}

/**
 * Delivers a whole round from the peers: the proposal (from its proposer), then prevotes and
 * precommits of a quorum of the others for it. The node under test adds its own votes.
 */
export function deliverRound(
  target: NodeUnderTest,
  chain: ReferenceChain,
  block: Block,
  options: { readonly round?: number; readonly voters?: readonly MemberId[]; readonly precommit?: boolean } = {},
): void {
  const round = options.round ?? 0;
  const height = block.header.height;
  const hash = blockHash(block);
  const self = target.self;
  const voters = options.voters ?? chain.consortium.ids.filter((id) => id !== self);
  const proposer = chain.proposer(height, round);
  if (proposer !== self) target.transport.deliverMessage(proposer, { kind: 'proposal', proposal: chain.proposal(block, round), block });
  for (const voter of voters) target.transport.deliverMessage(voter, { kind: 'vote', vote: chain.vote('prevote', voter, height, round, hash) });
  if (options.precommit === false) return;
  for (const voter of voters) target.transport.deliverMessage(voter, { kind: 'vote', vote: chain.vote('precommit', voter, height, round, hash) });
}

/** Decides `count` heights with the scripted peers (one transaction each), the node under test voting along. */
export async function commitHeights(target: NodeUnderTest, chain: ReferenceChain, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const height = chain.height + 1;
    // When the node under test proposes, the others vote for its block.
    const own = target.transport
      .consensusSent()
      .flatMap((message) => (message.kind === 'proposal' && message.proposal.height === height && message.proposal.round === 0 ? [message.block] : []));
    const block = chain.proposer(height, 0) === target.self && own[0] !== undefined ? own[0] : chain.block([kvTx(`height-${height}`)]);
    deliverRound(target, chain, block);
    await target.settle();
    await chain.commit(block, chain.certificate(block));
    target.clock.advance(chain.consortium.genesis.consensus.timeoutCommitMs);
    await target.settle();
  }
}
