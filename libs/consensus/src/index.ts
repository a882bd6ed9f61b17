/**
 * @consortium/consensus: the consortium's BFT ledger. Public on purpose:
 * - genesis parsing and the structures every member agrees on (blocks, votes, certificates);
 * - ConsensusNode, the driver apps/node composes with a Transport (libs/p2p), a ChainStore and
 *   an Application (the settlement app; KeyValueApplication for tests and benchmarks);
 * - the pure state machine, for tools that inspect or replay consensus;
 * - the stores and the mempool, which the node constructs;
 * - the deterministic simulator, run by `npm run sim` and the tests.
 */

// genesis and members
export { parseGenesis, genesisToJson, MAX_MEMBERS } from './genesis/parse.js';
export { DEFAULT_CONSENSUS_PARAMS, GENESIS_NETWORKS, GENESIS_APPLICATIONS } from './genesis/types.js';
export type { Genesis, GenesisMember, ConsensusParams, MemberId, GenesisNetwork, GenesisApplication, GenesisTrustedSetup } from './genesis/types.js';
export { ValidatorSet } from './validators.js';

// every size limit, derived from the genesis block parameters (apps/node hands them to libs/p2p)
export {
  deriveConsensusLimits,
  findLimitProblems,
  maxLegalBlockMaxBytes,
  MAX_LEGAL_TX_MAX_BYTES,
  ENVELOPE_MARGIN_BYTES,
  TRANSPORT_FRAME_MAX_BYTES,
} from './limits.js';
export type { ConsensusLimits, ChannelRate, BlockParams } from './limits.js';

// structures, hashing, signing, encoding
export type { Block, BlockHeader, CommitCertificate, CommitSignature, CommittedBlock, Hash, Proposal, SignedProposal, SignedVote, Vote, VoteType } from './types.js';
export { blockHash, headerHash, txHash, txsHash, certificateHash, genesisHash, ZERO_HASH } from './block.js';
export { verifyCommitCertificate } from './certificate.js';
export { voteSignBytes, proposalSignBytes } from './signing.js';
export { encodeCanonical, decodeCanonical, bytesEqual } from './encoding/canonical.js';
export { describeValue } from './encoding/describe.js';
export { exceedsCborNesting, CBOR_NESTING_MAX } from './encoding/nesting.js';
export { sha256, toHex, fromHex, shortHex } from './crypto/hash.js';
export { Ed25519Signer, Ed25519Verifier, generateEd25519KeyPair, ed25519KeyPairFromSeed } from './crypto/ed25519.js';
export type { Ed25519KeyPair, Ed25519SigningKey } from './crypto/ed25519.js';
// Ed25519 keys held in a PKCS#11 token (an HSM; SoftHSM 2 for devnets and tests)
export { Pkcs11Ed25519Signer, generatePkcs11Ed25519Key, Pkcs11AesKey, generatePkcs11AesKey, Pkcs11KeyError } from './crypto/pkcs11/token.js';
export { parsePkcs11Uri, isPkcs11Uri, Pkcs11Error, Pkcs11UriError } from './crypto/pkcs11/uri.js';
export type { Pkcs11Uri } from './crypto/pkcs11/uri.js';
export { createSoftHsmToken, SOFTHSM_MODULE_PATH } from './crypto/pkcs11/softhsm.js';
export type { SoftHsmToken } from './crypto/pkcs11/softhsm.js';
export { validatorKeyToJson, validatorKeyFromJson, ValidatorKeyError } from './crypto/validator-key.js';
export type { ValidatorKeyJson } from './crypto/validator-key.js';

// errors callers branch on
export {
  InvalidInputError,
  OversizedMessageError,
  MalformedMessageError,
  InvalidSignatureError,
  UnknownValidatorError,
  GenesisValidationError,
  InvalidCertificateError,
  InvalidBlockError,
  DoubleSignRefusedError,
  WalCorruptionError,
  BlockHashMismatchError,
  ConsensusHaltedError,
  WalReplayError,
  CommitFailedError,
  PersistenceFailedError,
  LastSignedRecordError,
  PendingTxsReadError,
} from './errors.js';
export type { HaltReason } from './errors.js';

// the application and the network, as consensus sees them
export type { Application, AppInfo, CheckTxResult, FinalizeBlockResult, TxResult } from './application.js';
export type { Transport, MessageChannel, RequestChannel, InvalidMessageKind } from './transport.js';
export { KeyValueApplication, encodeKeyValueTx, decodeKeyValueTx } from './kv-app.js';
export { serializedApplication, applicationLane } from './application-lane.js';
export type { KeyValueTx } from './kv-app.js';

// the driver
export { ConsensusNode } from './node/consensus-node.js';
export type { ConsensusNodeOptions, ConsensusStatus, CommitListener, HaltListener } from './node/consensus-node.js';
export type { ChainStorePort, MempoolPort, AddTxOutcome } from './node/ports.js';
export { systemClock } from './node/clock.js';
export { encodeEvidence, decodeEvidence } from './node/evidence-codec.js';
// the wire codec of the consensus, tx and sync channels: what the reactor decodes from peers
// (tools fuzz it and build valid frames to mutate)
export {
  encodeConsensusMessage,
  decodeConsensusMessage,
  encodeTxBatch,
  decodeTxBatch,
  encodeBlocksRequest,
  decodeBlocksRequest,
  encodeBlocksResponse,
  decodeBlocksResponse,
  MAX_BLOCKS_PER_RESPONSE,
} from './node/wire.js';
export type { ConsensusMessage, WireLimits, BlocksRequest } from './node/wire.js';
export type { Evidence } from './state/types.js';
export type { Clock, TimerHandle } from './node/clock.js';

// the pure state machine
export { step, initialState, timeoutDelayMs, classifyInput, MAX_FUTURE_ROUNDS } from './state/machine.js';
export type { ConsensusState, ConsensusEvent, ConsensusEffect, ConsensusContext, InputDisposition, Step } from './state/types.js';

// storage and mempool
export * from './store/index.js';
export { salvageChainStore, resyncChainStore, restoreChainStore, fenceRecord, laterRecord, ChainRecoveryError } from './recovery/chain-recovery.js';
export type { SalvagedChainState, RecoveryOutcome, ResyncOptions, RestoreOptions } from './recovery/chain-recovery.js';
export type { LastSigned } from './node/signer.js';
export * from './mempool/index.js';

// the deterministic simulator
export { runSimulation, DEFAULT_SIMULATION } from './sim/simulation.js';
export type { SimulationOptions, SimulationReport } from './sim/simulation.js';
export { FAULT_CLASSES, BASE_FAULTS, HEAVY_FAULTS, parseFaultClasses, simulationOptionsFor, UnknownFaultClassError } from './sim/faults.js';
export type { FaultClass } from './sim/faults.js';
export { INVARIANT_KINDS } from './sim/invariants.js';
export type { InvariantKind } from './sim/invariants.js';
export { PEER_DISCIPLINE, frameCapsFor, peerPolicyFor, transportLimitsFor } from './sim/transport-limits.js';
export type { SimFrameCaps, SimPeerPolicy, SimTransportLimits } from './sim/transport-limits.js';
