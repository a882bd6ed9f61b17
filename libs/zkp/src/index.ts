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

// proofs and keys
export type { SettlementProof, Groth16Proof } from './proof.js';
// snarkjs's JSON form of a verification key (a LoadedCircuit's vkey; what VerificationKeys.add takes)
export type { VerificationKey } from './groth16-json.js';
export { KEYS_MANIFEST_FORMAT, KEYS_MANIFEST_FILE, PINNED_KINDS, artifactName, genesisArtifactPins, genesisTrustedSetupOf, manifestSetupKind } from './artifacts/manifest.js';
export type { KeysManifest, CircuitKeys, PinnedKind } from './artifacts/manifest.js';
export { loadEpoch, assertContributedKey } from './artifacts/loader.js';
export type { LoadEpochOptions } from './artifacts/loader.js';
// proving keys sealed by a key held in an HSM (`<zkey>.sealed`), opened in the prover's memory
export { sealProvingKey, openSealedProvingKey, sealProvingKeyFile, SEALED_SUFFIX } from './artifacts/sealed.js';
export type { ProvingKeySealer } from './artifacts/sealed.js';
export { assembleKeysFolder } from './artifacts/assemble.js';
export type { KeyFilesToAssemble } from './artifacts/assemble.js';
export type { LoadedEpoch, LoadedCircuit } from './artifacts/loader.js';
// which keys a network may run with (demo keys only on a devnet), decided from genesis alone
export { assertSetupAllowed, TRUSTED_SETUP_KINDS } from './artifacts/setup-policy.js';
export type { TrustedSetupKind, TrustedSetupPin, NetworkKind, GenesisKeyPins } from './artifacts/setup-policy.js';
export {
  ArtifactError,
  KeysManifestError,
  MissingArtifactError,
  ArtifactHashMismatchError,
  UnpinnedCircuitError,
  UncontributedKeyError,
  InvalidArtifactError,
  ArtifactPathError,
  SetupKindNotPinnedError,
  DemoKeysRefusedError,
  SetupKindMismatchError,
  SealedKeyError,
} from './artifacts/errors.js';

// Groth16 verification: single and batch (random linear combination), the key registry, and
// the errors callers branch on (listed in verifier/index.ts)
export * from './verifier/index.js';

// proving: Groth16 in worker threads behind a bounded queue (listed in prover/index.ts)
export * from './prover/index.js';

// key epochs and the settlement prover facade
export { KeyEpochs, proveSettlement, provingKeyOf } from './epochs.js';
export type { SettlementProver } from './epochs.js';

// The Groth16 setup's steps (snarkjs calls), the single-party sequence (test keys, the devnet's
// demo ceremony) and phase 2 prepared for given domains; libs/ceremony builds the multi-party
// ceremony from the same steps.
export {
  openSetupCurve,
  withSetupCurve,
  runSnarkjsStep,
  withEntropy,
  randomBeaconHex,
  newAccumulator,
  contributePhase1,
  beaconPhase1,
  verifyPhase1,
  newZKey,
  contributePhase2,
  beaconPhase2,
  verifyPhase2,
  exportVerificationKey,
} from './setup/steps.js';
export type { SetupCurve, SetupLogger } from './setup/steps.js';
export { SetupStepError } from './setup/errors.js';
export { PREPARED_SECTIONS, preparedDomains, preparePhase2ForDomains } from './setup/prepare-phase2.js';
export type { PreparedSection } from './setup/prepare-phase2.js';
export { verifyPreparedPhase2, PreparedPowersError, hasPreparedSections, copyPhase1Sections } from './setup/verify-prepared.js';
export { verifyNewZKey, NewZKeyError } from './setup/verify-new-zkey.js';
export { runSinglePartySetup, singlePartyFiles } from './setup/single-party.js';
export type { SinglePartyCircuit, SinglePartyOptions, SinglePartyResult, SinglePartyStep } from './setup/single-party.js';
export { ensureTestKeys } from './setup/test-keys.js';
export type { TestKeys } from './setup/test-keys.js';
