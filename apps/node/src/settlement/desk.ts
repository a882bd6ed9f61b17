import { sha256, toHex, fromHex, type Ed25519Signer } from '@consortium/consensus';
import {
  agreementIdOf,
  agreementInForce,
  keyEpochInForce,
  assembleTx,
  assertRecordBatch,
  batchChainIdOf,
  batchIdOf,
  decodeSettlementTx,
  encodeSettlementTx,
  InvalidRecordBatchError,
  periodBoundsUtc,
  recordsDigest,
  signTxBody,
  statementBody,
  statementIdOf,
  toSettlementBatch,
  usageBatchBody,
  type MemberId,
  type OnChainBatch,
  type RecordBatch,
  type RecordExchange,
  type RecordOffer,
  type RegisterAgreementBody,
  type SettlementApplication,
  type SettlementMember,
  type SettlementTx,
  type SettlementTxBody,
  type StatementRecord,
  type UsageRecord,
  type DisputeReasonCode,
  type ReceivedRange,
} from '@consortium/settlement';
import { buildSettlementWitness, proveSettlement, randomSalt, rateCommitment, tadigToField, type KeyEpochs, type RateTable, type SettlementProver } from '@consortium/zkp';
import { circuitDefinition } from '@consortium/circuits';
import type { Logger } from 'pino';
import type { AnomalyDetection } from './anomaly-detection.js';
import { type Cosigning, type ReceivedCosign } from './cosign.js';
import { badField, conflict, notFound, unavailable } from './errors.js';
import type { PrivateStore } from './private-store.js';
import type { AgreementTerms, CosignProposal, DirectedRates, OwnBatch } from './types.js';

/**
 * The member's settlement desk on its node: what the member's operators ask of it through the
 * API, done with the member's key and private data. It signs and submits the member's
 * transactions, numbers and commits usage batches one after the other per pair and period
 * (the chain accepts a batch only after the previous one), sends each committed batch's
 * records to the debtor (and only to it), proves statements on the prover pool, and co-signs
 * agreements and resolutions with the other party's node. It follows the chain through
 * `afterCommit` and picks its queued work up again after a restart. The records it receives as
 * the debtor go through the anomaly detection of the member's pairs (anomaly-detection.ts),
 * which stores them with their observation.
 */

export type UsageInput = Pick<UsageRecord, 'subscriberRef' | 'service' | 'startTime' | 'volume'>;

export interface DeskOptions {
  readonly self: MemberId;
  readonly chainId: string;
  readonly members: readonly SettlementMember[];
  readonly signer: Pick<Ed25519Signer, 'sign'>;
  readonly app: SettlementApplication;
  readonly store: PrivateStore;
  /** Hands a transaction to the mempool (consensus.submitTx). */
  readonly submitTx: (tx: Uint8Array) => Promise<{ readonly accepted: true; readonly hash: Uint8Array } | { readonly accepted: false; readonly reason: string; readonly log?: string }>;
  readonly records: RecordExchange;
  readonly cosigning: Cosigning;
  /** Proving: the pool, the key epochs and the circuit batches are cut for; null on a chain without keys. */
  readonly proving: { readonly prover: SettlementProver; readonly epochs: KeyEpochs; readonly circuit: string } | null;
  readonly logger: Logger;
  /** The usage anomaly detection of the member's pairs, over the same store (it follows the chain itself: follow.ts). */
  readonly detection: AnomalyDetection;
  /** How long a committed batch's delivery to the debtor keeps retrying (the debtor's node may lag). */
  readonly deliveryRetryMs?: number;
}

const USAGE_RECORDS_MAX = 4_096;
const DEFAULT_DELIVERY_RETRY_MS = 120_000;

export class SettlementDesk {
  private readonly memberById: ReadonlyMap<MemberId, SettlementMember>;
  private readonly self: SettlementMember;
  /** Work on one (creditor, debtor, period) chain of batches (batchChainIdOf) runs one task at a time. */
  private readonly chainTails = new Map<string, Promise<unknown>>();
  /**
   * The chains of this member's batches with work left (a batch queued, submitted, or committed
   * but not yet delivered): what each committed block moves on. Read from the store once, in
   * resume(); kept since, so a block costs the open chains, not every batch ever billed.
   */
  private readonly openChains = new Set<string>();
  /** Statements being proved: id -> failure (null while proving). */
  private readonly proving = new Map<string, string | null>();
  private afterCommitTail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: DeskOptions) {
    this.memberById = new Map(options.members.map((m) => [m.id, m]));
    this.self = this.memberById.get(options.self)!;
  }

  /** The size batches are cut to (the circuit's). */
  get batchSize(): number {
    return this.options.proving === null ? 0 : circuitDefinition(this.options.proving.circuit).params.batchSize;
  }

  /** After a restart: submits what was queued, delivers what was committed but not delivered. */
  async resume(): Promise<void> {
    for (const { value } of await this.options.store.all('batch')) {
      if (value.role !== 'creditor') continue;
      // The mempool did not survive the stop: a batch submitted but not on chain goes out again
      // (another node's mempool may still commit it: a duplicate answer is fine).
      if (value.status === 'submitted' && this.options.app.state.get('batch', value.batchId) === undefined) await this.setStatus(value, 'queued');
      if (hasWorkLeft(value)) this.openChains.add(this.chainOf(value));
    }
    for (const chain of this.openChains) void this.onChain(chain, () => this.advanceChain(chain));
    // A failure is logged, and the next committed block retries: no reason to refuse to start.
    await this.options.detection.resume().catch(() => undefined);
  }

  close(): void {
    this.closed = true;
    this.options.detection.close();
  }

  // ---------------------------------------------------------------------------------------
  // Agreements

  async proposeAgreement(request: { readonly counterparty: MemberId; readonly fromPeriod: string; readonly toPeriod: string; readonly rates: Readonly<Record<string, Readonly<Record<string, bigint>>>> }): Promise<{ agreementId: string }> {
    const counterparty = this.member(request.counterparty, 'body.counterparty');
    if (counterparty.id === this.self.id) throw badField('body.counterparty', 'an agreement is between two different members');
    const rateKeys = Object.keys(request.rates).sort();
    const parties = [this.self.id, counterparty.id].sort() as [MemberId, MemberId];
    if (rateKeys.length !== 2 || rateKeys[0] !== parties[0] || rateKeys[1] !== parties[1]) throw badField('body.rates', `rates must have one table per creditor: exactly ${parties.join(' and ')}`);
    if (request.fromPeriod > request.toPeriod) throw badField('body.toPeriod', `toPeriod ${request.toPeriod} is before fromPeriod ${request.fromPeriod}`);
    const directions = parties.map((creditor): DirectedRates => {
      const debtor = creditor === parties[0] ? parties[1] : parties[0];
      const table = request.rates[creditor]!;
      return { creditor, debtor, salt: randomSalt(), rates: { voice_mo: table.voice_mo!, voice_mt: table.voice_mt!, sms: table.sms!, data: table.data! } };
    }) as [DirectedRates, DirectedRates];
    const rateCommitments = directions.map((d) => {
      try {
        return { creditor: d.creditor, debtor: d.debtor, commitment: rateCommitment(this.tadigField(d.creditor), this.tadigField(d.debtor), { rates: d.rates, salt: d.salt }) };
      } catch (error) {
        throw badField(`body.rates.${d.creditor}`, (error as Error).message);
      }
    }) as unknown as RegisterAgreementBody['rateCommitments'];
    const body: RegisterAgreementBody = { type: 'register_agreement', members: parties, fromPeriod: request.fromPeriod, toPeriod: request.toPeriod, rateCommitments };
    const agreementId = toHex(agreementIdOf(body));
    const terms: AgreementTerms = { agreementId, members: parties, fromPeriod: body.fromPeriod, toPeriod: body.toPeriod, directions };
    const tx = assembleTx(body, [this.sign(body)]);
    const proposal: CosignProposal = { id: agreementId, kind: 'agreement', direction: 'sent', counterparty: counterparty.id, envelope: encodeSettlementTx(tx), terms, receivedAtMs: Date.now() };
    await this.options.store.putAll([
      { kind: 'terms', id: agreementId, value: terms },
      { kind: 'proposal', id: agreementId, value: proposal },
    ]);
    try {
      await this.options.cosigning.send('agreement', counterparty.id, tx, terms);
    } catch (error) {
      await this.options.store.delete('proposal', agreementId);
      await this.options.store.delete('terms', agreementId);
      throw unavailable('counterparty_unreachable', `could not hand the proposal to ${counterparty.id}'s node (${(error as Error).message}); nothing was kept: retry when it is reachable`);
    }
    this.options.logger.info({ agreementId, counterparty: counterparty.id }, 'agreement proposed to the counterparty');
    return { agreementId };
  }

  async proposals(): Promise<CosignProposal[]> {
    return (await this.options.store.all('proposal')).map(({ value }) => value);
  }

  async acceptAgreement(agreementId: string): Promise<{ txHash: string }> {
    const proposal = await this.options.store.get('proposal', agreementId);
    if (proposal === null || proposal.kind !== 'agreement') throw notFound(`no agreement proposal ${agreementId}`);
    if (proposal.direction !== 'received') throw conflict('own_proposal', `agreement ${agreementId} is this member's own proposal: ${proposal.counterparty} accepts it`);
    const received = decodeSettlementTx(proposal.envelope);
    await this.options.store.put('terms', agreementId, proposal.terms!);
    return this.submit(assembleTx(received.body, [...received.signatures, this.sign(received.body)]));
  }

  // ---------------------------------------------------------------------------------------
  // Usage batches

  async submitUsage(request: { readonly debtor: MemberId; readonly period: string; readonly records: readonly UsageInput[] }): Promise<{ batches: { batchId: string; firstId: bigint; count: number; txHash: string }[] }> {
    this.requireProving();
    const debtor = this.member(request.debtor, 'body.debtor');
    if (debtor.id === this.self.id) throw badField('body.debtor', 'the debtor is the home network of the roamers: another member');
    if (request.records.length === 0 || request.records.length > USAGE_RECORDS_MAX) throw badField('body.records', `1 to ${USAGE_RECORDS_MAX} records per request`);
    const { startSeconds, endSeconds } = periodBoundsUtc(request.period);
    request.records.forEach((record, i) => {
      if (record.startTime < startSeconds || record.startTime >= endSeconds) throw badField(`body.records[${i}].startTime`, `${record.startTime} is not within ${request.period} (${startSeconds} .. ${endSeconds - 1n})`);
    });
    // The records must be provable later: an agreement in force and its rate table on this node.
    await this.termsOf(this.self.id, debtor.id, request.period);
    const chain = batchChainIdOf(this.self.id, debtor.id, request.period);
    return this.onChain(chain, async () => {
      let firstId = await this.nextRecordId(chain);
      const batches: OwnBatch[] = [];
      for (let offset = 0; offset < request.records.length; offset += this.batchSize) {
        const slice = request.records.slice(offset, offset + this.batchSize);
        const records: RecordBatch = {
          creditor: this.self.tadig,
          debtor: debtor.tadig,
          period: request.period,
          firstId,
          salt: randomSalt(),
          records: slice.map((r, i) => ({ ...r, recordId: firstId + BigInt(i), visitedTadig: this.self.tadig, homeTadig: debtor.tadig })),
        };
        try {
          assertRecordBatch(records);
        } catch (error) {
          if (error instanceof InvalidRecordBatchError) throw badField(`body.${error.field.replace(/^records\[(\d+)\]/, (_m, i: string) => `records[${offset + Number(i)}]`)}`, error.problem);
          throw error;
        }
        const body = usageBatchBody(toSettlementBatch(records, { rates: { voice_mo: 0n, voice_mt: 0n, sms: 0n, data: 0n }, salt: 0n }), { creditor: this.self.id, debtor: debtor.id }, this.batchSize, recordsDigest(records));
        const tx = encodeSettlementTx(assembleTx(body, [this.sign(body)]));
        batches.push({ batchId: batchIdOf(this.self.id, debtor.id, request.period, firstId), role: 'creditor', status: 'queued', records, tx, txHash: toHex(sha256(tx)), failure: null });
        firstId += BigInt(slice.length);
      }
      await this.options.store.putAll(batches.map((batch) => ({ kind: 'batch' as const, id: batch.batchId, value: batch })));
      this.openChains.add(chain);
      await this.advanceChain(chain);
      return { batches: batches.map((b) => ({ batchId: b.batchId, firstId: b.records.firstId, count: b.records.records.length, txHash: b.txHash! })) };
    });
  }

  /** A batch's raw records, for its creditor or its debtor. */
  async batchRecords(batchId: string): Promise<OwnBatch | null> {
    const batch = await this.options.store.get('batch', batchId);
    return batch === null || batch.status === 'failed' ? null : batch;
  }

  // ---------------------------------------------------------------------------------------
  // Statements

  /** Starts proving the batch's statement; the transaction goes out when the proof is ready. */
  async proposeStatement(batchId: string): Promise<{ statementId: string }> {
    const proving = this.requireProving();
    const own = await this.options.store.get('batch', batchId);
    if (own === null || own.role !== 'creditor') throw notFound(`${this.self.id} billed no batch ${batchId}`);
    const onChain = this.options.app.state.get('batch', batchId);
    if (onChain === undefined) throw conflict('batch_not_committed', `batch ${batchId} is not committed yet (${own.status}): propose its statement once it is`);
    const terms = await this.termsOf(onChain.creditor, onChain.debtor, onChain.period);
    const batch = toSettlementBatch(own.records, terms);
    const epoch = this.provingEpoch(proving);
    const { publicInputs } = buildSettlementWitness(batch, circuitDefinition(proving.circuit).params);
    const statementId = toHex(statementIdOf(publicInputs, epoch, proving.circuit));
    const existing = this.options.app.state.get('statement', statementId);
    if (existing !== undefined) throw conflict('DuplicateError', `statement ${statementId} is already on chain (${existing.state})`);
    if (this.proving.get(statementId) === null) return { statementId };
    this.proving.set(statementId, null);
    void (async () => {
      try {
        const proof = await proveSettlement(proving.prover, proving.epochs, proving.circuit, batch, { epoch });
        await this.submit(assembleTx(statementBody(proof), [this.sign(statementBody(proof))]));
        this.proving.delete(statementId);
        this.options.logger.info({ statementId, batchId }, 'statement proved and submitted');
      } catch (error) {
        this.proving.set(statementId, (error as Error).message);
        this.options.logger.error({ err: error, statementId, batchId }, 'could not prove or submit the statement');
      }
    })();
    return { statementId };
  }

  /** A statement this node is proving: null while it proves, the failure if it failed; undefined when it proves none by that id. */
  provingState(statementId: string): string | null | undefined {
    return this.proving.get(statementId);
  }

  async acceptStatement(statementId: string): Promise<{ txHash: string }> {
    const statement = this.statementAsDebtor(statementId);
    // The debtor accepts what it could check: the records behind the statement must have arrived.
    const received = await this.options.store.get('batch', statement.batchId);
    if (received === null) throw conflict('records_not_received', `the records of batch ${statement.batchId} have not arrived from ${statement.creditor}: accept once they are checked`);
    return this.submit(this.signed({ type: 'accept_statement', statementId: fromHex(statementId, 32)! }));
  }

  async disputeStatement(statementId: string, reasonCode: DisputeReasonCode, reason: string): Promise<{ txHash: string }> {
    this.statementAsDebtor(statementId);
    return this.submit(this.signed({ type: 'dispute_statement', statementId: fromHex(statementId, 32)!, reasonCode, reason }));
  }

  /** Signs a resolution; submits it when the other party signed the same total, else sends it to that party. */
  async resolveDispute(statementId: string, agreedTotal: bigint): Promise<{ txHash: string } | { state: 'awaiting_counterparty' }> {
    const statement = this.statementOf(statementId);
    if (statement.creditor !== this.self.id && statement.debtor !== this.self.id) throw notFound(`${this.self.id} is not a party of statement ${statementId}`);
    if (statement.state !== 'disputed') throw conflict('StatementStateError', `statement ${statementId} is ${statement.state}; only a disputed statement is resolved`);
    const body: SettlementTxBody = { type: 'resolve_dispute', statementId: fromHex(statementId, 32)!, agreedTotal };
    const id = `${statementId}-${agreedTotal}`;
    const counterparty = statement.creditor === this.self.id ? statement.debtor : statement.creditor;
    const theirs = await this.options.store.get('proposal', id);
    if (theirs !== null && theirs.direction === 'received') {
      const submitted = await this.submit(assembleTx(body, [...decodeSettlementTx(theirs.envelope).signatures, this.sign(body)]));
      await this.options.store.delete('proposal', id);
      return submitted;
    }
    const tx = assembleTx(body, [this.sign(body)]);
    await this.options.store.put('proposal', id, { id, kind: 'resolution', direction: 'sent', counterparty, envelope: encodeSettlementTx(tx), terms: null, receivedAtMs: Date.now() });
    try {
      await this.options.cosigning.send('resolution', counterparty, tx, null);
    } catch (error) {
      throw unavailable('counterparty_unreachable', `signed, but could not hand the resolution to ${counterparty}'s node (${(error as Error).message}): post it again when it is reachable`);
    }
    return { state: 'awaiting_counterparty' };
  }

  async closePeriod(period: string): Promise<{ txHash: string }> {
    return this.submit(this.signed({ type: 'close_period', period }));
  }

  // ---------------------------------------------------------------------------------------
  // Following the chain and the other parties

  /** A co-signing proposal from the other party, checked by Cosigning: kept, or completed and submitted. */
  async onCosign(received: ReceivedCosign): Promise<void> {
    const { body } = received.tx;
    if (body.type === 'register_agreement') {
      const id = toHex(agreementIdOf(body));
      await this.options.store.put('proposal', id, { id, kind: 'agreement', direction: 'received', counterparty: received.from, envelope: encodeSettlementTx(received.tx), terms: received.terms, receivedAtMs: Date.now() });
      this.options.logger.info({ agreementId: id, from: received.from }, 'agreement proposal received');
      return;
    }
    if (body.type !== 'resolve_dispute') return;
    const id = `${toHex(body.statementId)}-${body.agreedTotal}`;
    const ours = await this.options.store.get('proposal', id);
    if (ours !== null && ours.direction === 'sent') {
      // Both parties signed the same total: this node completes it.
      await this.submit(assembleTx(body, [...received.tx.signatures, ...decodeSettlementTx(ours.envelope).signatures])).catch((error: unknown) => this.options.logger.warn({ err: error, id }, 'could not submit the co-signed resolution'));
      await this.options.store.delete('proposal', id);
      return;
    }
    await this.options.store.put('proposal', id, { id, kind: 'resolution', direction: 'received', counterparty: received.from, envelope: encodeSettlementTx(received.tx), terms: null, receivedAtMs: Date.now() });
  }

  /** The record exchange's view of the chain: the committed batch an offer names. */
  committedBatch(offer: RecordOffer): OnChainBatch | null {
    const creditor = this.memberByTadig(offer.creditor);
    const debtor = this.memberByTadig(offer.debtor);
    if (creditor === null || debtor === null) return null;
    const record = this.options.app.state.get('batch', batchIdOf(creditor.id, debtor.id, offer.period, offer.firstId));
    if (record === undefined) return null;
    return { creditor: offer.creditor, debtor: offer.debtor, period: record.period, firstId: record.firstId, count: record.count, batchCommitment: record.batchCommitment, recordsDigest: record.recordsDigest, batchSize: this.batchSize };
  }

  async receivedRanges(creditorTadig: string, debtorTadig: string, period: string): Promise<ReceivedRange[]> {
    const creditor = this.memberByTadig(creditorTadig);
    const debtor = this.memberByTadig(debtorTadig);
    if (creditor === null || debtor === null) return [];
    return (await this.options.store.all('batch', `${batchChainIdOf(creditor.id, debtor.id, period)}/`))
      .filter(({ value }) => value.role === 'debtor')
      .map(({ value }) => ({ firstId: value.records.firstId, count: BigInt(value.records.records.length), recordsDigest: recordsDigest(value.records) }));
  }

  /**
   * The record exchange stored-and-checked callback: the debtor keeps the records (observed for
   * anomalies in the same write when every earlier batch of their direction was). Resolves once
   * they are stored: then the creditor's delivery is done.
   */
  async onRecordsReceived(records: RecordBatch): Promise<void> {
    const creditor = this.memberByTadig(records.creditor)!;
    const batchId = batchIdOf(creditor.id, this.self.id, records.period, records.firstId);
    await this.options.detection.recordsReceived({ batchId, role: 'debtor', status: 'received', records, tx: null, txHash: null, failure: null });
  }

  /**
   * After each committed block (in order, one at a time): batches on chain go to their debtor
   * and the next batch of their chain is submitted; proposals done on chain (an agreement
   * registered, a dispute no longer open) leave the store.
   */
  afterCommit(txResults: readonly { readonly hash: string; readonly ok: boolean; readonly log: string }[]): Promise<void> {
    this.afterCommitTail = this.afterCommitTail.then(async () => {
      if (this.closed) return;
      const failed = new Map(txResults.filter((r) => !r.ok).map((r) => [r.hash, r.log]));
      for (const chain of this.openChains) void this.onChain(chain, () => this.advanceChain(chain, failed));
      for (const { id, value } of await this.options.store.all('proposal')) {
        const done =
          value.kind === 'agreement'
            ? this.options.app.state.get('agreement', id) !== undefined
            : this.options.app.state.get('statement', id.split('-')[0]!)?.state !== 'disputed';
        if (done) await this.options.store.delete('proposal', id);
      }
    });
    return this.afterCommitTail;
  }

  // ---------------------------------------------------------------------------------------

  /**
   * Moves one chain of batches on: committed ones are delivered, the first queued one is
   * submitted. A chain with no work left leaves the open chains.
   */
  private async advanceChain(chain: string, failedTxs: ReadonlyMap<string, string> = new Map()): Promise<void> {
    if (this.closed) return;
    const batches = (await this.options.store.all('batch', `${chain}/`)).map(({ value }) => value).filter((b) => b.role === 'creditor').sort((x, y) => (x.records.firstId < y.records.firstId ? -1 : 1));
    if (!batches.some(hasWorkLeft)) {
      this.openChains.delete(chain);
      return;
    }
    for (const batch of batches) {
      if (batch.status === 'submitted') {
        if (this.options.app.state.get('batch', batch.batchId) !== undefined) await this.setStatus(batch, 'committed');
        else if (failedTxs.has(batch.txHash!)) return this.failFrom(batches, batch, `the chain refused it: ${failedTxs.get(batch.txHash!)}`);
        else return; // still in the mempool: the next waits
      }
      const current = (await this.options.store.get('batch', batch.batchId))!;
      if (current.status === 'committed') void this.deliver(current);
      if (current.status === 'queued') {
        const outcome = await this.options.submitTx(current.tx!);
        if (!outcome.accepted && outcome.reason !== 'duplicate' && outcome.reason !== 'committed') {
          return this.failFrom(batches, current, `the mempool refused it (${outcome.reason}): ${outcome.log ?? ''}`);
        }
        await this.setStatus(current, 'submitted');
        return;
      }
    }
  }

  private async failFrom(batches: readonly OwnBatch[], from: OwnBatch, failure: string): Promise<void> {
    const failing = batches.filter((b) => b.records.firstId >= from.records.firstId && (b.status === 'queued' || b.status === 'submitted'));
    await this.options.store.putAll(failing.map((b) => ({ kind: 'batch' as const, id: b.batchId, value: { ...b, status: 'failed' as const, failure: b === from ? failure : `an earlier batch (${from.batchId}) failed` } })));
    this.options.logger.error({ batchId: from.batchId, failure, batches: failing.length }, 'usage batches failed: the operator must submit their records again');
  }

  private async deliver(batch: OwnBatch): Promise<void> {
    try {
      await this.options.records.sendBatch(batch.records, { retryForMs: this.options.deliveryRetryMs ?? DEFAULT_DELIVERY_RETRY_MS });
      const latest = await this.options.store.get('batch', batch.batchId);
      if (latest?.status === 'committed') await this.setStatus(latest, 'delivered');
    } catch (error) {
      this.options.logger.warn({ err: error, batchId: batch.batchId }, 'could not deliver the records to the debtor yet; retried after the next block');
    }
  }

  private async setStatus(batch: OwnBatch, status: OwnBatch['status']): Promise<void> {
    await this.options.store.put('batch', batch.batchId, { ...batch, status });
  }

  /** The first record id the next batch of a chain (batchChainIdOf) gets: after the chain's on chain and this node's queued ones. */
  private async nextRecordId(chain: string): Promise<bigint> {
    let next = this.options.app.state.get('batchChain', chain)?.nextFirstId ?? 0n;
    for (const { value } of await this.options.store.all('batch', `${chain}/`)) {
      if (value.role !== 'creditor' || value.status === 'failed') continue;
      const end = value.records.firstId + BigInt(value.records.records.length);
      if (end > next) next = end;
    }
    return next;
  }

  private onChain<T>(chain: string, task: () => Promise<T>): Promise<T> {
    const run = (this.chainTails.get(chain) ?? Promise.resolve()).then(task);
    const tail = run.catch(() => undefined);
    this.chainTails.set(chain, tail);
    void tail.then(() => {
      if (this.chainTails.get(chain) === tail) this.chainTails.delete(chain);
    });
    return run;
  }

  private async submit(tx: SettlementTx): Promise<{ txHash: string }> {
    const outcome = await this.options.submitTx(encodeSettlementTx(tx));
    if (outcome.accepted) return { txHash: toHex(outcome.hash) };
    if (outcome.reason === 'duplicate' || outcome.reason === 'committed') return { txHash: toHex(sha256(encodeSettlementTx(tx))) };
    if (outcome.reason === 'invalid') {
      const name = /^(\w+Error):/.exec(outcome.log ?? '')?.[1] ?? 'invalid_tx';
      throw conflict(name, outcome.log ?? 'the settlement rules refuse this transaction now');
    }
    throw unavailable(outcome.reason, `the mempool refused the transaction (${outcome.reason}): retry later`);
  }

  private sign(body: SettlementTxBody) {
    return signTxBody(this.options.chainId, body, this.self.id, this.options.signer);
  }

  private signed(body: SettlementTxBody): SettlementTx {
    return assembleTx(body, [this.sign(body)]);
  }

  private statementOf(statementId: string): StatementRecord {
    const statement = this.options.app.state.get('statement', statementId);
    if (statement === undefined) throw notFound(`no statement ${statementId} on chain`);
    return statement;
  }

  private statementAsDebtor(statementId: string): StatementRecord {
    const statement = this.statementOf(statementId);
    if (statement.debtor !== this.self.id) throw notFound(`${this.self.id} is not the debtor of statement ${statementId}`);
    return statement;
  }

  /** The rate table (with salt) of the creditor -> debtor direction of the agreement in force for the period. */
  private async termsOf(creditor: MemberId, debtor: MemberId, period: string): Promise<RateTable> {
    const agreement = agreementInForce(this.options.app.state, creditor, debtor, period);
    if (agreement === null) throw conflict('NoAgreementInForceError', `no agreement of ${creditor} and ${debtor} covers ${period}`);
    const terms = await this.options.store.get('terms', agreement.id);
    const direction = terms?.directions.find((d) => d.creditor === creditor && d.debtor === debtor);
    if (direction === undefined) throw conflict('terms_unknown', `this node does not hold the rate tables of agreement ${agreement.id} (registered elsewhere?)`);
    return { rates: direction.rates, salt: direction.salt };
  }

  private requireProving(): NonNullable<DeskOptions['proving']> {
    if (this.options.proving === null) throw unavailable('no_proving_keys', 'this chain runs without proving keys: it settles nothing');
    return this.options.proving;
  }

  /**
   * The key epoch a statement proposed now is proved under: the one in force at the next block
   * (a key rotation moves it at the height register_key_epoch states). This node needs that
   * epoch's proving keys for its circuit (node.json's epochKeysDirs for a later epoch).
   */
  private provingEpoch(proving: NonNullable<DeskOptions['proving']>): number {
    const app = this.options.app;
    const epoch = keyEpochInForce(app.state, app.committedHeight + 1);
    if (!proving.epochs.circuitNames(epoch).includes(proving.circuit)) {
      throw unavailable(
        'no_proving_keys_for_epoch',
        `key epoch ${epoch} is in force, and this node holds no proving keys of ${proving.circuit} for it: add the keys folder of that ceremony to node.json's epochKeysDirs ("${epoch}": "<folder>") and restart`,
      );
    }
    return epoch;
  }

  /** The chain a batch of this node belongs to (batchChainIdOf: member ids, as on chain). */
  private chainOf(batch: OwnBatch): string {
    return batchChainIdOf(this.memberByTadig(batch.records.creditor)!.id, this.memberByTadig(batch.records.debtor)!.id, batch.records.period);
  }

  private member(id: MemberId, field: string): SettlementMember {
    const member = this.memberById.get(id);
    if (member === undefined) throw badField(field, `${id} is not a member (${[...this.memberById.keys()].join(', ')})`);
    return member;
  }

  private memberByTadig(tadig: string): SettlementMember | null {
    return this.options.members.find((m) => m.tadig === tadig) ?? null;
  }

  private tadigField(member: MemberId): bigint {
    return tadigToField(this.memberById.get(member)!.tadig);
  }
}

/** A batch the creditor's node still has to move: submit, see committed, or deliver. */
function hasWorkLeft(batch: OwnBatch): boolean {
  return batch.role === 'creditor' && (batch.status === 'queued' || batch.status === 'submitted' || batch.status === 'committed');
}

