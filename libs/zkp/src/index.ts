/**
 * @consortium/zkp: the settlement statement's witness and commitments, proving in a worker
 * pool, (batch) verification, and the artifacts (keys) pinned in genesis.
 */

// witness and commitments
export { SETTLEMENT_SERVICES } from './witness/domain.js';
export type { UsageRecord, RateTable, SettlementBatch, SettlementPublicInputs, SettlementService } from './witness/domain.js';
export { FIELD_MODULUS, WitnessInputError, randomSalt, tadigToField, periodToField } from './witness/field.js';
export { batchCommitment, rateCommitment, packRecord, serviceIndex } from './witness/commitment.js';
export { buildSettlementWitness, settlementTotal, publicSignalsOf } from './witness/witness.js';
export type { SettlementWitness } from './witness/witness.js';
