import { decodeCanonical, encodeCanonical } from '@consortium/consensus';
import type { InvalidMessageKind, MemberId, PrivateHandler } from '@consortium/p2p';
import {
  encodeRecordBatch,
  encodeRecordOffer,
  InvalidRecordBatchError,
  MalformedRecordBatchError,
  offerOf,
  ReceivedBatchError,
  RecordBatchTooLargeError,
  RecordExchange,
  RECORD_BATCH_MAX_BYTES,
  recordsDigest,
  type OnChainBatch,
  type RecordBatch,
  type RecordRefusal,
  type ReceivedRange,
} from '@consortium/settlement';
import { batchCommitment } from '@consortium/zkp';
import fc from 'fast-check';
import { hostileBytes } from '../arbitraries/hostile.js';
import { settlementMembers } from '../fixtures/settlement-txs.js';
import { expectThat, FuzzPropertyError, VALID, type FuzzInput, type FuzzTarget, type Verdict } from '../target.js';

/**
 * The private record exchange as the debtor's node runs it: a real RecordExchange handed a
 * creditor's offer (the header of a `records` message) and then its batch, through the handler
 * it registers on libs/p2p (only the network is replaced). The chain holds one committed batch.
 * A malformed offer is refused and its sender reported `malformed`; a delivered batch is stored,
 * or refused with a record error class (MalformedRecordBatchError, InvalidRecordBatchError,
 * RecordBatchTooLargeError, a ReceivedBatchError naming what does not match the chain) and its
 * sender reported (`replay` for a range already received). Nothing else may escape.
 */

type Delivery = { readonly from: MemberId; readonly header: Uint8Array; readonly body: Uint8Array };

const REFUSALS = [MalformedRecordBatchError, InvalidRecordBatchError, RecordBatchTooLargeError, ReceivedBatchError];
const NOV_2026_START = 1_793_491_200n;

/** Four records of the creditor's network roaming subscribers of the debtor's, in November 2026, from `firstId`. */
function realBatch(creditor: string, debtor: string, firstId: bigint): RecordBatch {
  const services = ['voice_mo', 'sms', 'data', 'voice_mt'] as const;
  return {
    creditor,
    debtor,
    period: '2026-11',
    firstId,
    salt: 0x1234_5678_9abc_def0n + firstId,
    records: services.map((service, i) => ({
      recordId: firstId + BigInt(i),
      subscriberRef: String(i).repeat(32),
      service,
      startTime: NOV_2026_START + 3_600n * BigInt(i),
      volume: 60n * BigInt(i + 1),
      visitedTadig: creditor,
      homeTadig: debtor,
    })),
  };
}

interface ExchangeUnderFuzz {
  readonly handler: PrivateHandler;
  readonly reported: { readonly from: MemberId; readonly kind: InvalidMessageKind }[];
  readonly refusals: RecordRefusal[];
}

/**
 * The debtor's node: the chain committed `onChain` batches; the first is stored once delivered
 * (a second delivery is a replay, or the same batch acknowledged again), the others never are,
 * so mutations of their records reach the checks against the chain (digest, commitment, TADIGs).
 */
function startExchange(self: MemberId, members: readonly { readonly id: MemberId; readonly tadig: string }[], onChain: readonly OnChainBatch[]): ExchangeUnderFuzz {
  let handler: PrivateHandler | null = null;
  const reported: ExchangeUnderFuzz['reported'] = [];
  const refusals: RecordRefusal[] = [];
  const stored: ReceivedRange[] = [];
  const exchange = new RecordExchange({
    transport: {
      sendPrivate: () => Promise.reject(new Error('the fuzzed node sends nothing')),
      handlePrivate: (registered) => (handler = registered),
      reportInvalid: (from, kind) => reported.push({ from, kind }),
    },
    self,
    members,
    committedBatch: (offer) => onChain.find((batch) => offer.creditor === batch.creditor && offer.debtor === batch.debtor && offer.period === batch.period && offer.firstId === batch.firstId) ?? null,
    receivedRanges: () => stored,
    onBatch: (_batch, accepted) => {
      if (accepted.range.firstId === onChain[0]!.firstId) stored.push({ ...accepted.range, recordsDigest: accepted.recordsDigest });
    },
    onRefused: (_from, refusal) => refusals.push(refusal),
  });
  exchange.start();
  if (handler === null) throw new Error('the record exchange registered no handler');
  return { handler, reported, refusals };
}

async function check(subject: ExchangeUnderFuzz, { from, header, body }: Delivery): Promise<Verdict> {
  const reportsBefore = subject.reported.length;
  const refusalsBefore = subject.refusals.length;
  let authorized: boolean;
  try {
    authorized = await subject.handler.authorize(from, header);
  } catch (error) {
    throw new FuzzPropertyError(`authorize threw ${String(error)}: an offer is answered, never thrown`, { cause: error });
  }
  let thrown: unknown = null;
  if (authorized) await Promise.resolve(subject.handler.deliver(from, header, body)).catch((error: unknown) => (thrown = error));
  const refusals = subject.refusals.slice(refusalsBefore);
  const reports = subject.reported.slice(reportsBefore);
  if (refusals.length === 0) {
    expectThat(authorized && thrown === null, `a refusal without its reason (authorized ${authorized}, ${String(thrown)})`);
    return VALID;
  }
  expectThat(refusals.length === 1, `one delivery, ${refusals.length} refusals`);
  const refusal = refusals[0]!;
  if (refusal.error !== null) expectThat(REFUSALS.some((errorClass) => refusal.error instanceof errorClass), `refused with ${refusal.error.name}: not a record error class`);
  if (refusal.stage === 'batch') expectThat(thrown !== null && REFUSALS.some((errorClass) => thrown instanceof errorClass), `a refused batch was answered with ${String(thrown)}`);
  // A fault of the sender's is reported once (a repeated range as a replay); an offer for nothing committed is not a fault.
  const fault = refusal.reason === 'malformed_offer' || (refusal.stage === 'batch' && refusal.reason !== 'no_committed_batch');
  const isMember = from !== 'stranger';
  expectThat(reports.length === (fault && isMember ? 1 : 0), `refusal ${refusal.reason} from ${from} made ${reports.length} reports`);
  if (reports.length === 1) expectThat(reports[0]!.kind === (refusal.reason === 'range_already_received' ? 'replay' : 'malformed'), `refusal ${refusal.reason} reported as ${reports[0]!.kind}`);
  return { outcome: 'refused', refusal: refusal.error?.name ?? refusal.reason };
}

export const recordsTarget: FuzzTarget<Delivery> = {
  name: 'records',
  description: "offers and record batches through a real RecordExchange's p2p handler; a record error class, the sender reported",
  open() {
    const members = settlementMembers().map(({ id, tadig }) => ({ id, tadig }));
    const [creditor, debtor] = members as [(typeof members)[0], (typeof members)[0]];
    const batches = [realBatch(creditor.tadig, debtor.tadig, 10n), realBatch(creditor.tadig, debtor.tadig, 20n)];
    const onChain = batches.map((batch): OnChainBatch => ({ ...offerOf(batch), count: batch.records.length, batchCommitment: batchCommitment(batch, 4), recordsDigest: recordsDigest(batch), batchSize: 4 }));
    const subject = startExchange(debtor.id, members, onChain);
    const offers = batches.map((batch) => encodeRecordOffer(offerOf(batch)));
    const bodies = [...batches.map((batch) => encodeRecordBatch(batch)), encodeRecordBatch({ ...batches[0]!, records: batches[0]!.records.slice(0, 2) })];
    const structured = (seeds: readonly Uint8Array[]) => ({ values: seeds.map((seed) => decodeCanonical(seed, Number.MAX_SAFE_INTEGER)), mode: 'cbor' as const, encode: encodeCanonical });
    // mutated offers beside the first batch's body: only that offer is valid with it
    const header = hostileBytes({ seeds: offers.slice(0, 1), structured: structured(offers) });
    // each committed batch under its own offer is valid; the shorter one is a start for mutations
    const bodyOf = (index: number) => hostileBytes({ seeds: [bodies[index]!], structured: structured(bodies), maxBytes: RECORD_BATCH_MAX_BYTES });
    const sender = fc.oneof({ weight: 8, arbitrary: fc.constant(creditor.id) }, { weight: 2, arbitrary: fc.constantFrom(...members.map((m) => m.id)) }, { weight: 1, arbitrary: fc.constant('stranger') });
    const delivery = (from: MemberId, h: FuzzInput<Uint8Array>, b: FuzzInput<Uint8Array>): FuzzInput<Delivery> => ({
      origin: h.origin === 'valid' && b.origin === 'valid' && from === creditor.id ? 'valid' : 'mutated',
      value: { from, header: h.value, body: b.value },
    });
    const offerOfBatch = (index: number): FuzzInput<Uint8Array> => ({ origin: 'valid', value: offers[index]! });
    const inputs = fc.oneof(
      // the offer and the sender (the body rarely matters then), or a body under a committed batch's offer
      { weight: 3, arbitrary: fc.tuple(sender, header, bodyOf(0)).map(([from, h, b]) => delivery(from, h, b)) },
      { weight: 3, arbitrary: bodyOf(0).map((b) => delivery(creditor.id, offerOfBatch(0), b)) },
      { weight: 4, arbitrary: bodyOf(1).map((b) => delivery(creditor.id, offerOfBatch(1), b)) },
    );
    return Promise.resolve({ inputs, check: ({ value }) => check(subject, value), close: () => Promise.resolve() });
  },
};
