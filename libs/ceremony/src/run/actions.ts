import { copyFile, rm } from 'node:fs/promises';
import {
  beaconPhase1,
  copyPhase1Sections,
  hasPreparedSections,
  verifyPreparedPhase2,
  beaconPhase2,
  contributePhase1,
  contributePhase2,
  newAccumulator,
  newZKey,
  preparePhase2ForDomains,
  verifyPhase1,
  type SetupCurve,
  type SetupLogger,
} from '@consortium/zkp';
import type { CeremonySigner } from '../attestation.js';
import { CeremonyAbortedError, CeremonyFileError, NotYourTurnError } from '../errors.js';
import { sha256OfFile } from '../files/hashing.js';
import { domainPowersOf } from '../files/r1cs-header.js';
import { appendEntry, checkTranscript, type TranscriptDocument } from '../transcript/document.js';
import { laneName, signEntry, type Lane, type TranscriptEntry, type UnsignedEntry } from '../transcript/entries.js';
import type { LaneState, NextStep } from '../transcript/replay.js';
import { checkLaneFile, type Phase2Inputs } from './lane-check.js';

/**
 * The ceremony's steps, one function each: the coordinator opens a lane, skips a member past
 * its time limit (when the plan allows it) and closes the lane with the beacon; a member checks
 * the lane so far and adds its contribution. Each takes the transcript and returns it with the
 * new signed entry, having refused (and changed nothing) when it is not the step's turn or a
 * file is not what the transcript says. The file-based CLI, the distributed mode and the tests
 * are all made of these.
 */

/** Who takes a step: a member, its identity key, and the clock its entry's time comes from. */
export interface StepSigning {
  readonly transcript: TranscriptDocument;
  readonly member: string;
  readonly signer: CeremonySigner;
  readonly now?: (() => number) | undefined;
}

interface StepBase extends StepSigning {
  readonly curve: SetupCurve;
  readonly logger?: SetupLogger | undefined;
  /** Called as the step moves on: checking the files it builds on, then the snarkjs work (progress). */
  readonly onStage?: ((stage: 'check' | 'compute') => void) | undefined;
}

export interface StepResult {
  readonly transcript: TranscriptDocument;
  readonly entry: TranscriptEntry;
}

/** Where the ceremony stands, and the step it expects; refuses when that is not `kind` by `member`. */
export function expectTurn(transcript: TranscriptDocument, kind: NextStep['kind'], member: string): { next: NextStep; lane: LaneState } {
  const state = checkTranscript(transcript);
  const next = state.next;
  if (next === null) throw new NotYourTurnError('the ceremony is complete: every lane is closed');
  const turn = next.kind === 'contribution' ? `${next.member}'s contribution to ${laneName(next.lane)}` : `the coordinator's ${next.kind} of ${laneName(next.lane)}`;
  const who = next.kind === 'contribution' ? next.member : next.signer;
  if (next.kind !== kind || who !== member) throw new NotYourTurnError(`${member} cannot ${kind === 'contribution' ? 'contribute' : kind} now: the transcript expects ${turn}`);
  const lane = state.lanes.find((candidate) => sameLaneOf(candidate.lane, next.lane))!;
  return { next, lane };
}

const sameLaneOf = (a: Lane, b: Lane) => a.phase === b.phase && (a.phase === 1 || (b.phase === 2 && a.circuit === b.circuit));

/** An entry's own fields; the step adds the position, plan, time and signer. */
type EntryBody = UnsignedEntry extends infer E ? (E extends UnsignedEntry ? Omit<E, 'seq' | 'planHash' | 'timeMs' | 'signer'> : never) : never;

function signed(base: StepSigning, entry: EntryBody): StepResult {
  const state = checkTranscript(base.transcript);
  const full = { ...entry, seq: base.transcript.entries.length, planHash: state.planHash, timeMs: Math.round((base.now ?? Date.now)()), signer: base.member } as UnsignedEntry;
  const entrySigned = signEntry(full, base.signer);
  return { transcript: appendEntry(base.transcript, entrySigned), entry: entrySigned };
}

/** The coordinator opens phase 1 with a new accumulator at the plan's power (no secret in it; anyone can re-make it). */
export async function openPhase1(step: StepBase & { readonly output: string }): Promise<StepResult> {
  const { next } = expectTurn(step.transcript, 'open', step.member);
  if (next.lane.phase !== 1) throw new NotYourTurnError(`the lane to open is ${laneName(next.lane)}, not phase 1`);
  await newAccumulator(step.curve, step.transcript.plan.phase1.power, step.output, step.logger);
  return signed(step, { kind: 'open', lane: next.lane, outputSha256: await sha256OfFile(step.output) });
}

/**
 * Phase 2's powers of tau: the Lagrange bases for the plan's circuits' domains, made from phase
 * 1's final file (after its beacon) or the imported one, checked first against the transcript or
 * the plan's hash. Deterministic: anyone can re-make it; `ceremony verify` does.
 */
export async function preparePhase2(options: {
  readonly transcript: TranscriptDocument;
  readonly phase1Final: string;
  readonly r1csFiles: readonly string[];
  readonly output: string;
  readonly curve: SetupCurve;
  readonly logger?: SetupLogger | undefined;
}): Promise<void> {
  const { transcript, phase1Final } = options;
  const { plan } = transcript;
  const sha256 = await sha256OfFile(phase1Final);
  const domains = await domainPowersOf(options.r1csFiles);
  if (plan.phase1.source === 'import') {
    if (sha256 !== plan.phase1.sha256) throw new CeremonyFileError(phase1Final, `its sha256 is ${sha256.slice(0, 16)}…, the plan imports ${plan.phase1.sha256.slice(0, 16)}…`);
    // A public file is verified in full before use: every contribution in it and its points. One
    // published prepared is used as it is once its Lagrange points for these circuits check out.
    if (await hasPreparedSections(phase1Final)) {
      const phase1Only = `${options.output}.phase1`;
      try {
        await copyPhase1Sections(phase1Final, phase1Only);
        await verifyPhase1(phase1Only, options.logger);
        await verifyPreparedPhase2(options.curve, phase1Only, phase1Final, domains);
      } finally {
        await rm(phase1Only, { force: true });
      }
      await copyFile(phase1Final, options.output);
      return;
    }
    await verifyPhase1(phase1Final, options.logger);
  } else {
    const state = checkTranscript(transcript);
    const phase1 = state.lanes.find((lane) => lane.lane.phase === 1);
    if (phase1 === undefined || !phase1.closed) throw new NotYourTurnError('phase 2 is prepared once phase 1 is closed by its beacon');
    if (sha256 !== phase1.lastSha256) throw new CeremonyFileError(phase1Final, `it is not phase 1's final file (sha256 ${sha256.slice(0, 16)}…, the transcript's is ${phase1.lastSha256!.slice(0, 16)}…)`);
  }
  await preparePhase2ForDomains(options.curve, phase1Final, options.output, domains, options.logger);
}

/** The coordinator opens phase 2 of the next circuit: newZKey from its r1cs (checked against the plan) and the prepared powers of tau. */
export async function openPhase2(step: StepBase & { readonly r1cs: string; readonly preparedPtau: string; readonly output: string }): Promise<StepResult> {
  const { next } = expectTurn(step.transcript, 'open', step.member);
  if (next.lane.phase !== 2) throw new NotYourTurnError(`the lane to open is ${laneName(next.lane)}`);
  const circuit = step.transcript.plan.circuits.find((candidate) => candidate.name === (next.lane as { circuit: string }).circuit)!;
  const r1csSha256 = await sha256OfFile(step.r1cs);
  if (r1csSha256 !== circuit.r1csSha256) throw new CeremonyFileError(step.r1cs, `it is not the r1cs of ${circuit.name} the plan names (sha256 ${r1csSha256.slice(0, 16)}…, the plan's ${circuit.r1csSha256.slice(0, 16)}…)`);
  await newZKey(step.r1cs, step.preparedPtau, step.output, step.logger);
  return signed(step, { kind: 'open', lane: next.lane, outputSha256: await sha256OfFile(step.output) });
}

/**
 * A member's contribution: it checks the lane's file (the transcript's last verified file,
 * every earlier contribution verified by snarkjs and matching the transcript), contributes with
 * fresh entropy that never touches disk, and signs the entry. Phase 2 needs the lane's first key
 * and the prepared powers of tau for the check.
 */
export async function contribute(step: StepBase & { readonly input: string; readonly output: string; readonly phase2?: Phase2Inputs | undefined }): Promise<StepResult> {
  const { next, lane } = expectTurn(step.transcript, 'contribution', step.member);
  step.onStage?.('check');
  await checkLaneFile({ lane, beaconHash: null, file: step.input, curve: step.curve, phase2: step.phase2, logger: step.logger });
  step.onStage?.('compute');
  const contributionHash =
    next.lane.phase === 1 ? await contributePhase1(step.input, step.output, step.member, step.logger) : await contributePhase2(step.input, step.output, step.member, step.logger);
  return signed(step, { kind: 'contribution', lane: next.lane, inputSha256: lane.lastSha256!, outputSha256: await sha256OfFile(step.output), contributionHash });
}

/**
 * The coordinator passes over a member that did not contribute within the plan's time limit,
 * when the plan's policy is `skip`; the next member builds on the same file. With `abort`, the
 * ceremony ends here: CeremonyAbortedError.
 */
export function skipMember(step: StepSigning & { readonly skipped: string; readonly reason: string }): StepResult {
  const state = checkTranscript(step.transcript);
  const next = state.next;
  if (next === null || next.kind !== 'contribution' || next.member !== step.skipped) {
    throw new NotYourTurnError(`${step.skipped} cannot be skipped now: it is not its turn to contribute`);
  }
  if (step.member !== step.transcript.plan.coordinator) throw new NotYourTurnError(`only the coordinator ${step.transcript.plan.coordinator} decides a skip`);
  const { contributionTimeLimitMs } = step.transcript.plan;
  const turnStartedMs = step.transcript.entries[step.transcript.entries.length - 1]?.timeMs ?? 0;
  const waitedMs = Math.round((step.now ?? Date.now)()) - turnStartedMs;
  if (waitedMs < contributionTimeLimitMs) {
    throw new NotYourTurnError(`${step.skipped} still has ${Math.ceil((contributionTimeLimitMs - waitedMs) / 1000)} s of its ${Math.round(contributionTimeLimitMs / 1000)} s to contribute`);
  }
  if (step.transcript.plan.onMissingContribution === 'abort') {
    throw new CeremonyAbortedError(`${step.skipped} did not contribute to ${laneName(next.lane)} (${step.reason}); the plan aborts the ceremony when a member does not contribute`);
  }
  return signed(step, { kind: 'skip', lane: next.lane, member: step.skipped, reason: step.reason });
}

/** The coordinator closes a lane with the beacon value from the plan's source, after checking the lane's file like a member would. */
export async function closeLane(
  step: StepBase & { readonly input: string; readonly output: string; readonly beaconHex: string; readonly phase2?: Phase2Inputs | undefined },
): Promise<StepResult> {
  const { next, lane } = expectTurn(step.transcript, 'beacon', step.member);
  step.onStage?.('check');
  await checkLaneFile({ lane, beaconHash: null, file: step.input, curve: step.curve, phase2: step.phase2, logger: step.logger });
  step.onStage?.('compute');
  const { iterationsExp } = step.transcript.plan.beacon;
  const name = `beacon: ${step.transcript.plan.beacon.source}`.slice(0, 200);
  const contributionHash =
    next.lane.phase === 1
      ? await beaconPhase1(step.input, step.output, name, step.beaconHex, iterationsExp, step.logger)
      : await beaconPhase2(step.input, step.output, name, step.beaconHex, iterationsExp, step.logger);
  return signed(step, { kind: 'beacon', lane: next.lane, inputSha256: lane.lastSha256!, outputSha256: await sha256OfFile(step.output), beacon: step.beaconHex, contributionHash });
}
