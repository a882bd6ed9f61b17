/**
 * @consortium/settlement: the roaming domain on chain and the consensus application over it.
 * Public on purpose:
 * - the domain and transaction types, their canonical codec and signing (apps/node's API and
 *   tools build, sign and submit transactions with them);
 * - the pure state transition and netting (tools replay and audit them), and the anomaly
 *   detection the two parties' nodes run on their records (apps/node's desk);
 * - SettlementApplication, which apps/node runs under consensus, and its reads for the API;
 * - the error classes callers branch on.
 */

// domain and transactions
export * from './domain/types.js';
export { isPeriod, periodWithin, periodEndMs } from './domain/period.js';
export * from './tx/types.js';
export { encodeSettlementTx, decodeSettlementTx, txFromCbor } from './tx/codec.js';
export { txBodyFromJson, settlementToJson } from './tx/json.js';
export { txSigningHash, signTxBody, assembleTx, signSettlementTx, authenticateTx } from './tx/signing.js';
export type { AuthenticatedTx } from './tx/signing.js';
export { encodeSettlementCbor, decodeSettlementCbor, CborDecodeError } from './encoding/cbor.js';
export { SETTLEMENT_LIMITS_TABLE } from './limits.js';
export * from './errors.js';

// the state and its pure transition
export * from './state/records.js';
export { MapState, OverlayState, withWrites, stateKey, parseStateKey, write } from './state/store.js';
export type { StateReader, StateWrite } from './state/store.js';
export { transitionWrites, applySettlementTx } from './state/transition.js';
export { statementIdOf, agreementIdOf, batchIdOf, batchChainIdOf, pairIdOf } from './state/context.js';
export type { TxContext, TxOutcome, ProofVerdict, SettlementEvent } from './state/context.js';
export { agreementInForce, rateCommitmentOf, periodFromField, countersOf } from './state/lookups.js';
export { keyEpochsFromGenesis, genesisWrites } from './state/genesis.js';
export { keyEpochInForce } from './state/rules/key-epoch.js';

// transaction bodies from a creditor's batch and proof
export { usageBatchBody, publicInputsOf, statementBody, keyEpochBody } from './builders.js';
export type { KeyEpochCircuit } from './builders.js';

// netting and anomaly detection
export { netMultilateral, netBalances } from './netting.js';
export type { SettledAmount, NettingOutcome } from './netting.js';
export { observeVolume, observeRecordBatch, ANOMALY_PARAMS, ANOMALY_KINDS } from './anomaly.js';
export type { VolumeObservation, BaselineRecord, AnomalyKind, DirectionBaselines, VolumeAnomaly, RecordBatchObservation } from './anomaly.js';

// the consensus application and its reads
export { SettlementApplication, settlementMembersOf } from './app/application.js';
export type { SettlementApplicationOptions, CommittedSettlementBlock, SettlementSecurityEvent } from './app/application.js';
export type { StatementProofVerifier, VerificationKeyRegistry } from './app/verifier.js';
export { statementProof, VERDICT_CACHE_ENTRIES } from './app/verifier.js';
export { chainAppHash } from './app/app-hash.js';
export { amountAsMetric } from './app/telemetry.js';
export {
  PUBLIC_VIEWER,
  READ_LIMIT_DEFAULT,
  READ_LIMIT_MAX,
  agreementView,
  listAgreements,
  batchView,
  getBatch,
  listBatches,
  statementView,
  getStatement,
  listStatements,
  listPeriods,
  getNetting,
  listKeyEpochs,
} from './reads.js';
export type { Viewer, AgreementView, BatchView, BatchFilter, StatementView, StatementFilter, PeriodView } from './reads.js';

// usage records and their private exchange (libs/settlement/src/records)
export * from './records/index.js';
