/**
 * The record exchange: a creditor's node sends a committed batch's raw records to the debtor's
 * node, and to nobody else, over libs/p2p's private messages (`records` protocol). The debtor's
 * node authorizes an offer only from the pair's creditor, addressed to itself, for a batch the
 * chain has committed (no committed batch, no agreement whose batch this is); the records of
 * anyone else are never sent. It checks what arrives (checkReceivedBatch) before storing it,
 * one batch of a pair at a time, and reports a sender of bad records to libs/p2p.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { NotConnectedError, PrivateMessageRefusedError, type InvalidMessageKind, type MemberId, type PrivateHandler, type SendPrivateOptions } from '@consortium/p2p';
import { checkReceivedBatch, type AcceptedBatch } from './check.js';
import { decodeRecordBatch, encodeRecordBatch, recordsDigest } from './codec.js';
import { InvalidRecordBatchError, RangeAlreadyReceivedError, ReceivedBatchError } from './errors.js';
import { decodeRecordOffer, encodeRecordOffer, offerOf, type RecordOffer } from './offer.js';
import type { OnChainBatch, RecordBatch, RecordRange } from './types.js';

/** What the exchange needs of libs/p2p's P2PNode (which satisfies it). */
export interface PrivateTransport {
  sendPrivate(to: MemberId, header: Uint8Array, body: Uint8Array, options?: SendPrivateOptions): Promise<void>;
  handlePrivate(handler: PrivateHandler): void;
  reportInvalid(memberId: MemberId, kind: InvalidMessageKind): void;
}

/** Why an offer or a batch was refused; `error` is the specific error for a refused batch. */
export type RecordRefusalReason =
  | 'malformed_offer'
  | 'unknown_member'
  | 'not_creditor'
  | 'not_debtor'
  | 'no_committed_batch'
  | 'offer_mismatch'
  | 'malformed_batch'
  | ReceivedBatchError['reason'];

export interface RecordRefusal {
  readonly stage: 'offer' | 'batch';
  readonly reason: RecordRefusalReason;
  readonly error: Error | null;
}

export interface RecordExchangeOptions {
  readonly transport: PrivateTransport;
  /** This node's member id. */
  readonly self: MemberId;
  /** Every member with its TADIG (from genesis), this node included. */
  readonly members: readonly { readonly id: MemberId; readonly tadig: string }[];
  /** The chain's committed usage batch the offer names (its pair, period and firstId), or null. */
  readonly committedBatch: (offer: RecordOffer) => OnChainBatch | null | Promise<OnChainBatch | null>;
  /**
   * The ranges already received and stored for a (creditor, debtor, period). With their digests,
   * a batch delivered again (the creditor's acknowledgement was lost) is acknowledged again
   * instead of refused as a replay.
   */
  readonly receivedRanges: (creditor: string, debtor: string, period: string) => readonly ReceivedRange[] | Promise<readonly ReceivedRange[]>;
  /** Stores an accepted batch; when it resolves the creditor's sendBatch resolves. */
  readonly onBatch: (batch: RecordBatch, accepted: AcceptedBatch, from: MemberId) => void | Promise<void>;
  /** Every refusal, for the application's logs and metrics. */
  readonly onRefused?: (from: MemberId, refusal: RecordRefusal) => void;
}

/** A range the debtor stored, with the digest of its records (AcceptedBatch's two fields). */
export interface ReceivedRange extends RecordRange {
  readonly recordsDigest?: Uint8Array;
}

export interface SendBatchOptions extends SendPrivateOptions {
  /** How long to keep retrying answers that can change with time; default 0 (one attempt). */
  readonly retryForMs?: number;
}

/** Retries start a tenth of a second apart (a block or two) and slow down to two seconds. */
const RETRY_FIRST_DELAY_MS = 100;
const RETRY_MAX_DELAY_MS = 2_000;

/** Answers that can change with time: the debtor catches up with the chain, a rate refills, a connection comes back. */
function isTransient(err: unknown): boolean {
  if (err instanceof PrivateMessageRefusedError) return err.refusal === 'unauthorized' || err.refusal === 'rate_limited';
  return err instanceof NotConnectedError;
}

/** A refused batch is reported to p2p under this kind: a repeat is a replay, anything else malformed. */
const REPORTED_KIND = (reason: RecordRefusalReason): InvalidMessageKind => (reason === 'range_already_received' ? 'replay' : 'malformed');

export class RecordExchange {
  private readonly tadigByMember = new Map<MemberId, string>();
  private readonly memberByTadig = new Map<string, MemberId>();
  private readonly selfTadig: string;
  /** The last delivery of each (creditor, debtor, period): deliveries of one pair run one after another. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly options: RecordExchangeOptions) {
    for (const member of options.members) {
      this.tadigByMember.set(member.id, member.tadig);
      this.memberByTadig.set(member.tadig, member.id);
    }
    const selfTadig = this.tadigByMember.get(options.self);
    if (selfTadig === undefined) throw new InvalidRecordBatchError('self', `${options.self} is not in the member list`);
    this.selfTadig = selfTadig;
  }

  /** Registers the records handler on the transport (once per node). */
  start(): void {
    this.options.transport.handlePrivate({
      authorize: async (from, header) => this.authorize(from, header),
      deliver: async (from, header, body) => this.deliver(from, header, body),
    });
  }

  /**
   * Sends this node's batch to its debtor. Resolves once the debtor's node checked and stored
   * it; rejects with the transport's errors: PrivateMessageRefusedError `unauthorized` while
   * the debtor's node has not executed the block that commits the batch, `handler_failed` when
   * it refused the records, NotConnectedError, RequestTimeoutError... With `retryForMs`, an
   * answer that can change with time (unauthorized, rate_limited, not connected) is retried, at
   * growing intervals, for that long. InvalidRecordBatchError for a batch this node is not the
   * creditor of.
   */
  async sendBatch(batch: RecordBatch, options: SendBatchOptions = {}): Promise<void> {
    if (batch.creditor !== this.selfTadig) throw new InvalidRecordBatchError('creditor', `${batch.creditor} is not this node's network ${this.selfTadig}: a node sends only its own batches`);
    const debtor = this.memberByTadig.get(batch.debtor);
    if (debtor === undefined) throw new InvalidRecordBatchError('debtor', `${batch.debtor} is not the TADIG of a member`);
    const header = encodeRecordOffer(offerOf(batch));
    const body = encodeRecordBatch(batch);
    const { retryForMs = 0, ...sendOptions } = options;
    const deadlineMs = Date.now() + retryForMs;
    for (let delayMs = RETRY_FIRST_DELAY_MS; ; delayMs = Math.min(2 * delayMs, RETRY_MAX_DELAY_MS)) {
      try {
        await this.options.transport.sendPrivate(debtor, header, body, sendOptions);
        return;
      } catch (err) {
        if (!isTransient(err) || Date.now() + delayMs > deadlineMs || sendOptions.signal?.aborted === true) throw err;
      }
      await sleep(delayMs);
    }
  }

  private async authorize(from: MemberId, header: Uint8Array): Promise<boolean> {
    let offer: RecordOffer;
    try {
      offer = decodeRecordOffer(header);
    } catch (err) {
      this.refuse(from, { stage: 'offer', reason: 'malformed_offer', error: err as Error }, 'malformed');
      return false;
    }
    const reason = await this.offerRefusal(from, offer);
    if (reason === null) return true;
    this.refuse(from, { stage: 'offer', reason, error: null }, null);
    return false;
  }

  private async offerRefusal(from: MemberId, offer: RecordOffer): Promise<RecordRefusalReason | null> {
    const fromTadig = this.tadigByMember.get(from);
    if (fromTadig === undefined) return 'unknown_member';
    if (offer.creditor !== fromTadig) return 'not_creditor';
    if (offer.debtor !== this.selfTadig) return 'not_debtor';
    const onChain = await this.options.committedBatch(offer);
    if (onChain === null) return 'no_committed_batch';
    if (onChain.firstId !== offer.firstId || BigInt(onChain.count) !== offer.count) return 'offer_mismatch';
    return null;
  }

  private async deliver(from: MemberId, header: Uint8Array, body: Uint8Array): Promise<void> {
    const offer = decodeRecordOffer(header); // authorized just before: well formed
    const key = `${offer.creditor}>${offer.debtor}@${offer.period}`;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const delivery = previous.then(async () => this.checkAndStore(from, offer, body));
    const tail = delivery.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    try {
      await delivery;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  private async checkAndStore(from: MemberId, offer: RecordOffer, body: Uint8Array): Promise<void> {
    let batch: RecordBatch;
    try {
      batch = decodeRecordBatch(body);
    } catch (err) {
      throw this.refuse(from, { stage: 'batch', reason: 'malformed_batch', error: err as Error }, 'malformed');
    }
    const sent = offerOf(batch);
    if (sent.creditor !== offer.creditor || sent.debtor !== offer.debtor || sent.period !== offer.period || sent.firstId !== offer.firstId || sent.count !== offer.count) {
      const error = new InvalidRecordBatchError('records', `the batch (${sent.creditor} -> ${sent.debtor} ${sent.period}, ${sent.count} from ${sent.firstId}) is not the one offered`);
      throw this.refuse(from, { stage: 'batch', reason: 'offer_mismatch', error }, 'malformed');
    }
    const onChain = await this.options.committedBatch(offer);
    if (onChain === null) throw this.refuse(from, { stage: 'batch', reason: 'no_committed_batch', error: null }, null);
    const received = await this.options.receivedRanges(offer.creditor, offer.debtor, offer.period);
    let accepted: AcceptedBatch;
    try {
      accepted = checkReceivedBatch(batch, onChain, received);
    } catch (err) {
      // The very batch stored before: acknowledged again, stored once.
      if (err instanceof RangeAlreadyReceivedError && isStoredAlready(batch, received)) return;
      if (!(err instanceof ReceivedBatchError) && !(err instanceof InvalidRecordBatchError)) throw err;
      const reason = err instanceof ReceivedBatchError ? err.reason : 'malformed_batch';
      throw this.refuse(from, { stage: 'batch', reason, error: err }, REPORTED_KIND(reason));
    }
    await this.options.onBatch(batch, accepted, from);
  }

  /** Tells the application, reports the sender to p2p when the refusal is a fault, and returns the error to throw. */
  private refuse(from: MemberId, refusal: RecordRefusal, reportAs: InvalidMessageKind | null): Error {
    this.options.onRefused?.(from, refusal);
    if (reportAs !== null && this.tadigByMember.has(from)) this.options.transport.reportInvalid(from, reportAs);
    return refusal.error ?? new InvalidRecordBatchError('batch', `refused: ${refusal.reason}`);
  }
}

/** A stored range with exactly this batch's ids and records digest. */
function isStoredAlready(batch: RecordBatch, received: readonly ReceivedRange[]): boolean {
  const digest = Buffer.from(recordsDigest(batch));
  const count = BigInt(batch.records.length);
  return received.some((range) => range.firstId === batch.firstId && range.count === count && range.recordsDigest !== undefined && digest.equals(range.recordsDigest));
}
