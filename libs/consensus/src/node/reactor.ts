import type { ConsensusMetrics, Logger, SecurityMetrics } from '@consortium/telemetry';
import type { Ed25519Verifier } from '../crypto/ed25519.js';
import { BlockHashMismatchError, InvalidInputError, InvalidSignatureError, UnknownValidatorError } from '../errors.js';
import type { MemberId } from '../genesis/types.js';
import type { ConsensusLimits } from '../limits.js';
import { proposalSignBytes, voteSignBytes } from '../signing.js';
import type { Transport } from '../transport.js';
import type { ValidatorSet } from '../validators.js';
import { blockHashProblem } from './block-validation.js';
import type { BlockSync } from './block-sync.js';
import type { InputQuota } from './input-quota.js';
import type { MempoolPort } from './ports.js';
import type { ConsensusRoutine } from './state.js';
import type { TaskQueue } from './task-queue.js';
import { decodeConsensusMessage, decodeTxBatch, type ConsensusMessage } from './wire.js';

/**
 * The consensus reactor (CometBFT's reactor.go): what arrives from peers is decoded (size
 * first), checked, authenticated and bounded here, outside the routine, and only then queued.
 * In order, for a consensus frame:
 * 1. decode against the limits table;
 * 2. a status goes to block sync (its certificate is checked there);
 * 3. a proposal's block must hash to the proposal's hash (header, transactions, last commit):
 *    a tampered relay is refused before deduplication, so the genuine proposal still counts;
 * 4. what the machine already holds is dropped before paying for a signature check;
 * 5. signatures and signers are verified;
 * 6. heights behind or beyond the next are dropped;
 * 7. the sender's share of the input queue (tasks and bytes) must have room.
 * A bad input is reported to the transport (which scores and disconnects) and changes nothing.
 * Messages that arrive before the node started wait, bounded by the same shares.
 */

type HeldMessage = Exclude<ConsensusMessage, { kind: 'status' }>;

export interface ReactorDeps {
  readonly chainId: string;
  readonly validators: ValidatorSet;
  readonly verifier: Ed25519Verifier;
  readonly limits: ConsensusLimits;
  readonly transport: Transport;
  readonly mempool: MempoolPort;
  readonly queue: TaskQueue;
  readonly quota: InputQuota;
  readonly routine: ConsensusRoutine;
  readonly sync: BlockSync;
  readonly logger: Logger | null;
  readonly metrics: { readonly consensus: ConsensusMetrics; readonly security: SecurityMetrics } | null;
  /** false once the node stopped or halted: inputs are then ignored. */
  readonly accepting: () => boolean;
  /** A member's status said how far it committed (the signer's restart gate listens). */
  readonly statusHeard?: (from: MemberId, committedHeight: number) => void;
}

export class ConsensusReactor {
  private readonly beforeStart: { readonly from: MemberId; readonly message: HeldMessage; readonly bytes: number }[] = [];

  constructor(private readonly deps: ReactorDeps) {}

  onConsensusPayload(from: MemberId, payload: Uint8Array): void {
    if (!this.deps.accepting()) return;
    let message: ConsensusMessage;
    try {
      message = decodeConsensusMessage(payload, this.deps.limits);
      if (message.kind === 'proposal') {
        const problem = blockHashProblem(message.block, message.proposal.blockHash);
        if (problem !== null) throw new BlockHashMismatchError(`proposal ${message.proposal.height}/${message.proposal.round} relayed by ${from}: ${problem}`);
      }
    } catch (error) {
      this.reject(from, error);
      return;
    }
    if (message.kind === 'status') {
      this.deps.sync.onStatus(from, message);
      // After block sync: a certificate in the status may show the height decided.
      this.deps.statusHeard?.(from, message.committedHeight);
      return;
    }
    const { routine } = this.deps;
    // Relays and retransmissions repeat what we hold: skip them before paying for a signature check.
    if (routine.started && routine.alreadyHeld(message)) return;
    try {
      this.authenticate(message);
    } catch (error) {
      this.reject(from, error);
      return;
    }
    const bytes = payload.byteLength;
    if (!routine.started) {
      if (this.deps.quota.tryTake(from, bytes)) this.beforeStart.push({ from, message, bytes });
      else this.deps.metrics?.consensus.droppedInputsTotal.inc({ reason: 'prestart_buffer_full' });
      return;
    }
    const height = message.kind === 'vote' ? message.vote.height : message.proposal.height;
    const current = routine.machine.height;
    if (height < current) {
      if (message.kind === 'vote') this.deps.metrics?.consensus.lateVotesTotal.inc({ type: message.vote.type });
      return;
    }
    if (height > current + 1) {
      this.deps.metrics?.consensus.droppedInputsTotal.inc({ reason: 'too_far_ahead' });
      return;
    }
    if (!this.deps.quota.tryTake(from, bytes)) {
      this.deps.metrics?.consensus.droppedInputsTotal.inc({ reason: 'queue_full' });
      return;
    }
    this.enqueue(from, message, bytes);
  }

  /** Queues what arrived before the start, in arrival order; their quota shares are already taken. */
  drainBeforeStart(): void {
    for (const { from, message, bytes } of this.beforeStart.splice(0)) this.enqueue(from, message, bytes);
  }

  onTxPayload(from: MemberId, payload: Uint8Array): void {
    if (!this.deps.accepting()) return;
    let txs: Uint8Array[];
    try {
      txs = decodeTxBatch(payload, this.deps.limits);
    } catch (error) {
      this.reject(from, error);
      return;
    }
    for (const tx of txs) {
      this.deps.mempool.add(tx, { from }).then(
        (outcome) => {
          // An honest member gossips only what its application accepted. A stateful application
          // may refuse one that a block invalidated meanwhile, which is why the transport gives
          // invalid_tx a light weight: a few are noise, a stream of them is a flood.
          if (!outcome.accepted && outcome.reason === 'invalid') this.reportInvalidTx(from);
          if (outcome.accepted) this.deps.routine.txsAvailable();
        },
        (error: unknown) => this.deps.logger?.error({ err: error }, 'mempool failed to check a gossiped transaction'),
      );
    }
  }

  private enqueue(from: MemberId, message: HeldMessage, bytes: number): void {
    const { queue, quota, routine, metrics } = this.deps;
    queue.push(async () => {
      try {
        await routine.acceptMessage(message, bytes);
      } finally {
        quota.release(from, bytes);
        metrics?.consensus.inputQueueTasks.set(quota.tasks);
        metrics?.consensus.inputQueueBytes.set(quota.bytes);
      }
    });
    metrics?.consensus.inputQueueTasks.set(quota.tasks);
    metrics?.consensus.inputQueueBytes.set(quota.bytes);
  }

  /** Checks signatures and signers before anything is queued: forged input never reaches the machine. */
  private authenticate(message: HeldMessage): void {
    const { validators, verifier, chainId } = this.deps;
    if (message.kind === 'vote') {
      const { vote } = message;
      const member = validators.get(vote.validator);
      if (member === undefined) throw new UnknownValidatorError(`vote by unknown validator ${vote.validator}`);
      if (!verifier.verify(member.publicKey, voteSignBytes(chainId, vote), vote.signature)) {
        throw new InvalidSignatureError(`bad signature on a ${vote.type} by ${vote.validator} at ${vote.height}/${vote.round}`);
      }
      return;
    }
    const { proposal } = message;
    const expected = validators.proposer(proposal.height, proposal.round);
    if (proposal.proposer !== expected) throw new UnknownValidatorError(`proposal at ${proposal.height}/${proposal.round} by ${proposal.proposer}, whose turn it is not (${expected})`);
    const member = validators.get(proposal.proposer)!;
    if (!verifier.verify(member.publicKey, proposalSignBytes(chainId, proposal), proposal.signature)) {
      throw new InvalidSignatureError(`bad signature on the proposal by ${proposal.proposer} at ${proposal.height}/${proposal.round}`);
    }
  }

  private reject(from: MemberId, error: unknown): void {
    if (error instanceof InvalidInputError) {
      this.report(from, error.kind);
      this.deps.logger?.warn({ from, kind: error.kind, error: error.name, reason: error.message, securityEvent: 'invalid_message' }, 'rejected a message');
    } else {
      this.deps.logger?.error({ from, err: error }, 'failed to process a message');
    }
  }

  private reportInvalidTx(from: MemberId): void {
    this.deps.metrics?.security.invalidGossipedTxsTotal.inc({ member: from });
    this.report(from, 'invalid_tx');
  }

  private report(from: MemberId, kind: Parameters<Transport['reportInvalid']>[1]): void {
    try {
      this.deps.transport.reportInvalid(from, kind);
    } catch (error) {
      this.deps.logger?.error({ from, kind, err: error }, 'the transport could not record an invalid message');
    }
  }
}
