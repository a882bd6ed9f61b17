/**
 * The usage records and their private exchange: what the creditor sends the debtor, its one
 * canonical encoding and digest, the circuit's view of it, and the debtor's check against the
 * chain. (libs/settlement's entry re-exports this folder's public names in one block.)
 */
export type { UsageRecord, RecordBatch, RecordRange, OnChainBatch } from './types.js';
export {
  RECORD_BATCH_MAX_BYTES,
  RECORD_BATCH_MAX_RECORDS,
  RECORD_BATCH_FORMAT_VERSION,
  RECORD_ID_BITS,
  START_TIME_BITS,
  VOLUME_BITS,
  SUBSCRIBER_REF_PATTERN,
} from './limits.js';
export { assertRecordBatch } from './validate.js';
export { encodeRecordBatch, decodeRecordBatch, recordsDigest } from './codec.js';
export { toSettlementBatch } from './settlement-batch.js';
export { checkReceivedBatch, periodBoundsUtc } from './check.js';
export type { AcceptedBatch } from './check.js';
export { subscriberRefOf } from './subscriber.js';
export { batchVolumes } from './volumes.js';

// The exchange itself: the offer (header) of a batch, and the sender/receiver over libs/p2p.
export { encodeRecordOffer, decodeRecordOffer, offerOf } from './offer.js';
export type { RecordOffer } from './offer.js';
export { RecordExchange } from './exchange.js';
export type { PrivateTransport, RecordExchangeOptions, RecordRefusal, RecordRefusalReason, SendBatchOptions, ReceivedRange } from './exchange.js';

// Realistic usage for tests and the devnet's traffic generator, and the rates it settles at.
export { generateUsage } from './generator/generate.js';
export type { GenerateUsageOptions, UsageAnomaly } from './generator/generate.js';
export { PROFILES, pairProfile, VOICE_INCREMENT_SECONDS } from './generator/profiles.js';
export type { UsageProfile, ProfileName } from './generator/profiles.js';
export { wholesaleRates, wholesaleRateTable, EU_WHOLESALE_CAPS_BY_YEAR, UK_EU_COMMERCIAL_RATES } from './generator/rates.js';
export type { MicroEuroRates } from './generator/rates.js';
export {
  InvalidRecordBatchError,
  RecordBatchTooLargeError,
  MalformedRecordBatchError,
  ReceivedBatchError,
  WrongBatchPairError,
  WrongBatchPeriodError,
  BatchRangeMismatchError,
  DuplicateRecordIdError,
  NonPositionalRecordIdError,
  RangeAlreadyReceivedError,
  RecordTadigMismatchError,
  RecordOutsidePeriodError,
  RecordsDigestMismatchError,
  BatchCommitmentMismatchError,
} from './errors.js';
export type { ReceivedBatchRejection } from './errors.js';
