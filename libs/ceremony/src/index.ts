/**
 * @consortium/ceremony: the multi-party Groth16 trusted setup.
 *
 * Public so far: the ceremony plan every member signs before anything starts, and the signed
 * transcript with its replay (who contributed, in which order, on which file; where a ceremony
 * in progress stands). The snarkjs steps, the file-based and distributed modes, the attestation
 * and key rotation follow (issue 10).
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
export { CeremonyError, InvalidPlanError, PlanSignatureError, TranscriptEntryError } from './errors.js';
export type { TranscriptProblem } from './errors.js';
