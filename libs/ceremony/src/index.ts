/**
 * @consortium/ceremony: the multi-party Groth16 trusted setup.
 *
 * The ceremony plan every member signs before anything starts; the signed transcript with its
 * replay (who contributed, in which order, on which file; where a ceremony in progress stands);
 * the steps (open, contribute, skip, close), each checking the files it builds on; a ceremony
 * folder driven step by step (CeremonyWorkspace: file-based mode, resume after a crash); the
 * keys, the attestation and the genesis fragment; the distributed mode (a coordinator and the
 * members over libp2p); and `verifyCeremony`, which re-checks a whole ceremony from its folder.
 */
export { PLAN_FORMAT, validatePlan, planSignBytes, planHash, signPlan, verifyPlanSignatures } from './plan.js';
export type { CeremonyPlan, PlanMember, PlanCircuit, PlanSignature, Phase1Source } from './plan.js';
export { entrySignBytes, signEntry, laneName, sameLane } from './transcript/entries.js';
export type { Lane, OpenEntry, ContributionEntry, SkipEntry, BeaconEntry, UnsignedEntry, TranscriptEntry } from './transcript/entries.js';
export { replayTranscript, lanesOf } from './transcript/replay.js';
export type { LaneState, NextStep, TranscriptState } from './transcript/replay.js';
export { contributionMismatch } from './transcript/compare.js';
export { readZkeyContributions } from './files/zkey-contributions.js';
export { readPtauContributions } from './files/ptau-contributions.js';
export type { FileContribution, ZkeyContributions } from './files/zkey-contributions.js';
export { readR1csHeader, domainPowerOf } from './files/r1cs-header.js';
export type { R1csHeader } from './files/r1cs-header.js';
export { sha256OfFile } from './files/hashing.js';
export type { ContributionParams } from './files/contribution-params.js';

// the transcript file, the ceremony folder and its steps
export { TRANSCRIPT_FORMAT, TRANSCRIPT_FILE, TranscriptFileError, newTranscript, checkTranscript, appendEntry, readTranscriptFile, writeTranscriptFile } from './transcript/document.js';
export type { TranscriptDocument } from './transcript/document.js';
export { ceremonyFolder, verificationKeyFileText } from './folder.js';
export type { CeremonyFolder } from './folder.js';
export { openPhase1, preparePhase2, openPhase2, contribute, skipMember, closeLane, expectTurn } from './run/actions.js';
export type { StepResult, StepSigning } from './run/actions.js';
export { checkLaneFile } from './run/lane-check.js';
export type { Phase2Inputs, LaneFileCheck } from './run/lane-check.js';
export { CeremonyWorkspace } from './run/workspace.js';
export type { StepOptions } from './run/workspace.js';
export type { CeremonyTelemetry, CeremonyStepName } from './run/instrument.js';
export { writeCeremonyKeys, attest, addAttestation, writeGenesisFragment } from './run/finish.js';
// a keys folder against the attestation (the participant's collect, `ceremony verify`, `genesis --keys`)
export { checkAttestedKeys, GENESIS_FRAGMENT_FILE } from './run/attested-keys.js';
export type { AttestedKeysCheck } from './run/attested-keys.js';
export type { CeremonyCircuitFiles, CeremonyKeys } from './run/finish.js';

// the distributed mode: a coordinator and the participants over a request/response transport (P2PNode's `ceremony` protocol)
export { CeremonyCoordinator } from './distributed/coordinator.js';
export type { CoordinatorOptions } from './distributed/coordinator.js';
export { CeremonyParticipant } from './distributed/participant.js';
export type { ParticipantOptions } from './distributed/participant.js';
export { describeStatusChange } from './distributed/progress.js';
export { CeremonyProtocolError, CHUNK_BYTES } from './distributed/messages.js';
// the protocol's messages as bytes: what coordinator and participants decode from each other (tools fuzz them)
export { encodeRequest, decodeRequest, encodeResponse, decodeResponse, encodeChunk, decodeChunk } from './distributed/messages.js';
export type { CeremonyStatus, CeremonyStage, ServedFile, Refusal, CeremonyRequest, CeremonyResponse } from './distributed/messages.js';
export type { CeremonyTransport } from './distributed/transport.js';
export type { PartyStep, PartyStepHooks, PartyStepTracker } from './distributed/steps.js';

// the transcript for people
export { transcriptSummary, renderTranscriptReport, describeNextStep } from './report.js';
export type { TranscriptSummary, SummaryStep } from './report.js';

// the attestation and the check of a whole ceremony
export { attestationSignBytes, signAttestation, verifyAttestations } from './attestation.js';
export type { FinalHashes, MemberSignature, CeremonySigner } from './attestation.js';
export { verifyCeremony, CeremonyVerificationError } from './verify/verify-ceremony.js';
export type { CeremonyReport, VerifyOptions } from './verify/verify-ceremony.js';

export {
  CeremonyError,
  InvalidPlanError,
  PlanSignatureError,
  TranscriptEntryError,
  AttestationError,
  CeremonyFileError,
  NotYourTurnError,
  CeremonyAbortedError,
  ContributionRejectedError,
  UnsafeNameError,
  UnattestedKeysError,
} from './errors.js';
// names that become paths in a ceremony folder (circuit names, member ids): plain names only
export { isPlainName, plainName } from './names.js';
export type { TranscriptProblem } from './errors.js';
