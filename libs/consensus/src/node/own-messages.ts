import type { Logger } from '@consortium/telemetry';
import type { Ed25519Verifier } from '../crypto/ed25519.js';
import { decodeCanonical, encodeCanonical } from '../encoding/canonical.js';
import { certificateFromCbor, certificateToCbor, MAX_HEIGHT, MAX_ROUND, proposalFromCbor, proposalToCbor, voteFromCbor, voteToCbor } from '../encoding/codec.js';
import { InvalidInputError, InvalidSignatureError, MalformedMessageError, UnknownValidatorError } from '../errors.js';
import type { MemberId } from '../genesis/types.js';
import { deriveConsensusLimits, SYNC_REQUEST_FRAME_MAX_BYTES, type ConsensusLimits } from '../limits.js';
import { proposalSignBytes, voteSignBytes } from '../signing.js';
import type { ConsensusState } from '../state/types.js';
import type { Transport } from '../transport.js';
import type { CommitCertificate, SignedProposal, SignedVote } from '../types.js';
import type { ValidatorSet } from '../validators.js';
import type { BlockSync } from './block-sync.js';
import type { RestartSigningGate } from './restart-gate.js';
import type { ConsensusRoutine } from './state.js';
import type { WireLimits } from './wire.js';

/**
 * "What do you hold of mine?": the question a restarted node asks each peer (restart-gate.ts),
 * one request on the sync channel, and the answer: where the peer is (its height, round and
 * committed height with that height's certificate, as in a status), whether its own restart
 * gate is still closed, and every vote and proposal signed by the asker that the peer's
 * consensus machine holds at its height, newest round first, at most OWN_MESSAGES_MAX. The
 * asker checks each signature against its own key and hands it to the signer's fence: one it
 * does not know proves its store older than its key, and the height is sat out. A proposal
 * travels without its block (its signature covers the block's hash).
 *
 * A peer answers from its machine as it is, outside its consensus routine: a peer waiting at its
 * own restart gate (its routine held by a signature) answers too, so members restarted together
 * do not wait for each other. A peer that has not started refuses.
 */

/** Votes and proposals per answer: an honest asker has at most three per round (proposal, prevote, precommit). */
export const OWN_MESSAGES_MAX = 64;

export interface OwnMessagesAnswer {
  /** The answerer's consensus height and round (its height is its committed one while it waits to start the next). */
  readonly height: number;
  readonly round: number;
  readonly committedHeight: number;
  /** The certificate of `committedHeight`: backs the claim, as in a status. */
  readonly certificate?: CommitCertificate;
  readonly restarting: boolean;
  readonly votes: readonly SignedVote[];
  readonly proposals: readonly SignedProposal[];
}

export function encodeOwnMessagesRequest(): Uint8Array {
  return encodeCanonical({ k: 'getOwn' });
}

/** True for a well-formed own-messages request; anything else on the sync channel is block sync's to judge. */
export function isOwnMessagesRequest(payload: Uint8Array): boolean {
  try {
    const value = decodeCanonical(payload, SYNC_REQUEST_FRAME_MAX_BYTES, 'sync request');
    return typeof value === 'object' && value !== null && !Array.isArray(value) && (value as Record<string, unknown>).k === 'getOwn' && Object.keys(value).length === 1;
  } catch {
    return false;
  }
}

export function encodeOwnMessagesAnswer(answer: OwnMessagesAnswer): Uint8Array {
  const base = {
    k: 'own',
    h: answer.height,
    r: answer.round,
    c: answer.committedHeight,
    g: answer.restarting,
    v: answer.votes.map(voteToCbor),
    p: answer.proposals.map(proposalToCbor),
  };
  return encodeCanonical(answer.certificate === undefined ? base : { ...base, q: certificateToCbor(answer.certificate) });
}

/** Decodes an answer (size first, against the sync response cap) and checks its shape; signatures are the caller's to verify. */
export function decodeOwnMessagesAnswer(bytes: Uint8Array, limits: WireLimits): OwnMessagesAnswer {
  const value = decodeCanonical(bytes, deriveConsensusLimits(limits).syncResponseFrameMaxBytes, 'own-messages answer');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedMessageError('own-messages answer: must be a map');
  const o = value as Record<string, unknown>;
  if (o.k !== 'own') throw new MalformedMessageError('own-messages answer: unknown kind');
  if (typeof o.g !== 'boolean') throw new MalformedMessageError('own-messages answer.restarting: must be a boolean');
  const answer = {
    height: integer(o.h, 'own-messages answer.height', 0, MAX_HEIGHT),
    round: integer(o.r, 'own-messages answer.round', 0, MAX_ROUND),
    committedHeight: integer(o.c, 'own-messages answer.committedHeight', 0, MAX_HEIGHT),
    restarting: o.g,
    votes: list(o.v, 'own-messages answer.votes').map(voteFromCbor),
    proposals: list(o.p, 'own-messages answer.proposals').map(proposalFromCbor),
  };
  if (answer.votes.length + answer.proposals.length > OWN_MESSAGES_MAX) throw new MalformedMessageError(`own-messages answer: more than ${OWN_MESSAGES_MAX} messages`);
  for (const message of [...answer.votes, ...answer.proposals]) {
    if (message.height !== answer.height) throw new MalformedMessageError('own-messages answer: a message of another height than the answer');
  }
  if (o.q === undefined) return answer;
  const certificate = certificateFromCbor(o.q, 'own-messages answer.certificate');
  if (certificate.height !== answer.committedHeight) throw new MalformedMessageError('own-messages answer.certificate: must be the certificate of committedHeight');
  return { ...answer, certificate };
}

function integer(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) throw new MalformedMessageError(`${what}: must be an integer from ${min} to ${max}`);
  return value;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value) || value.length > OWN_MESSAGES_MAX) throw new MalformedMessageError(`${what}: must be a list of at most ${OWN_MESSAGES_MAX}`);
  return value;
}

/** The votes and proposals signed by `member` that `machine` holds, newest round first, at most `max` in all. */
export function heldOwnMessages(machine: ConsensusState, member: MemberId, max: number): { votes: SignedVote[]; proposals: SignedProposal[] } {
  const votes: SignedVote[] = [];
  const proposals: SignedProposal[] = [];
  const newestFirst = [...machine.rounds.keys()].sort((a, b) => b - a);
  for (const round of newestFirst) {
    const state = machine.rounds.get(round)!;
    for (const received of state.proposals) if (received.proposal.proposer === member) proposals.push(received.proposal);
    votes.push(...(state.precommits.get(member) ?? []), ...(state.prevotes.get(member) ?? []));
    if (votes.length + proposals.length >= max) break;
  }
  // Votes first: they are the most of an asker's signatures; the cut keeps the newest of each.
  const keptVotes = votes.slice(0, max);
  return { votes: keptVotes, proposals: proposals.slice(0, max - keptVotes.length) };
}

export interface OwnMessagesExchangeDeps {
  readonly chainId: string;
  readonly self: MemberId;
  readonly validators: ValidatorSet;
  readonly verifier: Ed25519Verifier;
  readonly limits: ConsensusLimits;
  readonly transport: Transport;
  readonly routine: ConsensusRoutine;
  readonly sync: BlockSync;
  /** This node's gate: it asks, and its state is told to peers that ask (null: not gated). */
  readonly gate: () => RestartSigningGate | null;
  readonly requestTimeoutMs: number;
  readonly logger: Logger | null;
  /** false once the node stopped or halted. */
  readonly active: () => boolean;
}

/** Thrown to refuse a question before the routine resumed: its machine is not the node's yet. */
export class NotStartedError extends Error {
  override readonly name = 'NotStartedError';
}

export class OwnMessagesExchange {
  constructor(private readonly deps: OwnMessagesExchangeDeps) {}

  /** Answers `from`'s question from the machine as it is now. */
  serve(from: MemberId): Promise<Uint8Array> {
    const { routine, validators } = this.deps;
    if (!validators.has(from)) return Promise.reject(new UnknownValidatorError(`own-messages question from ${from}, not a validator`));
    if (!routine.started) return Promise.reject(new NotStartedError('consensus has not started: nothing to answer from yet'));
    const { machine, head } = routine;
    const answer: OwnMessagesAnswer = {
      height: machine.height,
      round: machine.round,
      committedHeight: head.height,
      ...(head.certificate === null ? {} : { certificate: head.certificate }),
      restarting: this.deps.gate()?.restarting ?? false,
      ...heldOwnMessages(machine, from, OWN_MESSAGES_MAX),
    };
    return Promise.resolve(encodeOwnMessagesAnswer(answer));
  }

  /** Asks `member`; the gate hears of the answer, or of the failure. */
  ask(member: MemberId): void {
    const { transport, requestTimeoutMs } = this.deps;
    let request: Promise<Uint8Array>;
    try {
      request = transport.request(member, 'sync', encodeOwnMessagesRequest(), requestTimeoutMs);
    } catch (error) {
      request = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    request.then(
      (bytes) => this.received(member, bytes),
      (error: unknown) => {
        this.deps.logger?.debug({ peer: member, err: error }, 'restart gate: a peer did not answer');
        this.deps.gate()?.unanswered(member);
      },
    );
  }

  private received(member: MemberId, bytes: Uint8Array): void {
    const gate = this.deps.gate();
    const { routine, sync } = this.deps;
    // Before the routine resumed its signer cannot take what the answer shows: asked again later.
    if (!this.deps.active() || !routine.started) {
      gate?.unanswered(member);
      return;
    }
    let answer: OwnMessagesAnswer;
    try {
      answer = decodeOwnMessagesAnswer(bytes, this.deps.limits);
      this.verify(answer);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      this.report(member, error.kind);
      this.deps.logger?.warn({ peer: member, kind: error.kind, reason: error.message, securityEvent: 'invalid_message' }, 'restart gate: a bad answer');
      gate?.unanswered(member);
      return;
    }
    // In this order: a certificate may show the height decided, and what the peer holds may fence it, before the gate decides.
    const { height, round, committedHeight, certificate } = answer;
    sync.onStatus(member, certificate === undefined ? { kind: 'status', height: Math.max(1, height), round, committedHeight } : { kind: 'status', height: Math.max(1, height), round, committedHeight, certificate });
    routine.ownMessagesHeld(answer, `the answer of ${member} after this node's restart`);
    gate?.answered(member, answer);
  }

  /** Every message must be this node's own, and signed by its key. */
  private verify(answer: OwnMessagesAnswer): void {
    const { chainId, self, validators, verifier } = this.deps;
    const key = validators.get(self)!.publicKey;
    for (const vote of answer.votes) {
      if (vote.validator !== self || !verifier.verify(key, voteSignBytes(chainId, vote), vote.signature)) throw new InvalidSignatureError(`own-messages answer: a ${vote.type} at ${vote.height}/${vote.round} not signed by this node`);
    }
    for (const proposal of answer.proposals) {
      if (proposal.proposer !== self || !verifier.verify(key, proposalSignBytes(chainId, proposal), proposal.signature)) throw new InvalidSignatureError(`own-messages answer: a proposal at ${proposal.height}/${proposal.round} not signed by this node`);
    }
  }

  private report(member: MemberId, kind: InvalidInputError['kind']): void {
    try {
      this.deps.transport.reportInvalid(member, kind);
    } catch (error) {
      this.deps.logger?.error({ peer: member, kind, err: error }, 'the transport could not record an invalid message');
    }
  }
}
