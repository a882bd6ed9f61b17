import { createHash } from 'node:crypto';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  ArtifactError,
  assertContributedKey,
  exportVerificationKey,
  KEYS_MANIFEST_FILE,
  newAccumulator,
  NewZKeyError,
  verifyNewZKey,
  openSetupCurve,
  preparePhase2ForDomains,
  SetupStepError,
  copyPhase1Sections,
  verifyPhase1,
  verifyPreparedPhase2,
  PreparedPowersError,
  type KeysManifest,
  type SetupCurve,
  type SetupLogger,
} from '@consortium/zkp';
import { verifyAttestations, type FinalHashes } from '../attestation.js';
import { CeremonyError } from '../errors.js';
import { verificationKeyFileText } from '../folder.js';
import { filesBySha256, sha256OfFile } from '../files/hashing.js';
import { domainPowerOf, readR1csHeader } from '../files/r1cs-header.js';
import type { FileContribution } from '../files/zkey-contributions.js';
import { instrumentStep, type CeremonyTelemetry } from '../run/instrument.js';
import { checkAttestedKeys } from '../run/attested-keys.js';
import { checkLaneFile } from '../run/lane-check.js';
import { checkTranscript, readTranscriptFile, TRANSCRIPT_FILE, type TranscriptDocument } from '../transcript/document.js';
import { laneName, sameLane, type BeaconEntry, type Lane } from '../transcript/entries.js';
import type { LaneState } from '../transcript/replay.js';

/**
 * `ceremony verify`: everything re-checked from scratch, by anyone, from the ceremony folder
 * alone. The plan and every member's signature over it; the transcript (order, signatures, hash
 * chain) and that it is complete; every file it names, found by its sha256; that each lane's
 * first file is what anyone re-makes (a new accumulator; newZKey of the pinned r1cs on phase 2's
 * powers of tau, re-prepared here); that snarkjs verifies each final file and that it holds
 * exactly the transcript's contributions, in order, and the beacon with the recorded value;
 * that no key has vk_gamma_2 == vk_delta_2; and the attestation of the final hashes by every
 * member. The first problem found stops it, named (CeremonyVerificationError).
 */

export class CeremonyVerificationError extends CeremonyError {
  override readonly name = 'CeremonyVerificationError';
  constructor(
    /** The check that failed, as the report lists them ("transcript", "phase 2 of settlement-4: contributions", ...). */
    readonly check: string,
    readonly detail: string,
  ) {
    super(`${check}: ${detail}`);
  }
}

export interface CeremonyReport {
  readonly ceremonyId: string;
  readonly members: readonly string[];
  /** Per lane: who contributed, who was skipped, the beacon. */
  readonly lanes: readonly { readonly lane: Lane; readonly contributors: readonly string[]; readonly skipped: readonly string[]; readonly beacon: string | null }[];
  readonly finalHashes: FinalHashes;
  /** Every check passed, in order. */
  readonly checks: readonly string[];
}

export interface VerifyOptions {
  readonly logger?: SetupLogger | undefined;
  /** `skip`: everything but the attestations and the keys folder (what a member checks before it attests). */
  readonly attestations?: 'check' | 'skip' | undefined;
  /** Where the verification reports (a `verify` step); and who runs it, for the span. */
  readonly telemetry?: CeremonyTelemetry | undefined;
  readonly member?: string | undefined;
  /** Runs each check (a progress line around it); default: runs it. */
  readonly track?: (<T>(check: string, body: () => Promise<T>) => Promise<T>) | undefined;
}

export async function verifyCeremony(dir: string, options: VerifyOptions = {}): Promise<CeremonyReport> {
  return instrumentStep(options.telemetry, { name: 'verify', ceremonyId: basename(dir), lane: null, member: options.member ?? 'anyone' }, () => verifyFolder(dir, options));
}

async function verifyFolder(dir: string, options: VerifyOptions): Promise<CeremonyReport> {
  const checks: string[] = [];
  const run = async <T>(check: string, body: () => Promise<T> | T): Promise<T> => {
    const track = options.track ?? (<R>(_check: string, inner: () => Promise<R>) => inner());
    try {
      const result = await track(check, async () => body());
      checks.push(check);
      return result;
    } catch (error) {
      if (error instanceof CeremonyVerificationError) throw error;
      if (error instanceof CeremonyError || error instanceof SetupStepError || error instanceof ArtifactError || error instanceof PreparedPowersError) throw new CeremonyVerificationError(check, error.message);
      throw error;
    }
  };

  const transcript = await run('transcript file', () => readTranscriptOrExplain(dir));
  const state = await run('plan signed by every member, entries in order and signed', () => checkTranscript(transcript));
  const { plan } = transcript;
  await run('the ceremony is complete', () => {
    if (state.next !== null) {
      const next = state.next;
      throw new CeremonyError(`it stops at ${next.kind === 'contribution' ? `${next.member}'s contribution to` : `the coordinator's ${next.kind} of`} ${laneName(next.lane)}`);
    }
  });
  await run('multi-party: at least two members contributed to every lane', () => {
    for (const lane of state.lanes) {
      if (lane.contributors.length < 2) throw new CeremonyError(`${laneName(lane.lane)} has ${lane.contributors.length === 0 ? 'no' : 'one'} contributor (${lane.contributors.join(', ') || 'none'}): whoever made it could forge proofs`);
    }
  });
  const files = await run('every file the transcript names is in the folder', async () => {
    const bySha = await filesBySha256(dir, ['.ptau', '.zkey', '.r1cs']);
    for (const [index, entry] of transcript.entries.entries()) {
      if (entry.kind === 'skip') continue;
      if (!bySha.has(entry.outputSha256)) {
        const who = entry.kind === 'contribution' ? `${entry.signer}'s contribution` : `the coordinator's ${entry.kind}`;
        throw new CeremonyError(`no file with sha256 ${entry.outputSha256.slice(0, 16)}… (entry ${index}: ${who} to ${laneName(entry.lane)})`);
      }
    }
    return bySha;
  });
  const fileOf = (sha256: string) => files.get(sha256)!;
  const beaconOf = (lane: Lane) => transcript.entries.find((entry): entry is BeaconEntry & { signature: string } => entry.kind === 'beacon' && sameLane(entry.lane, lane))!;
  const openOf = (lane: Lane) => transcript.entries.find((entry) => entry.kind === 'open' && sameLane(entry.lane, lane))!;

  const curve = await openSetupCurve();
  const work = await mkdtemp(join(tmpdir(), 'ceremony-verify-'));
  try {
    // Phase 1.
    let phase1Final: string;
    if (plan.phase1.source === 'ceremony') {
      const lane = state.lanes.find((candidate) => candidate.lane.phase === 1)!;
      await run('phase 1: its first file is a new accumulator at the plan\'s power', async () => {
        const fresh = join(work, 'new.ptau');
        await newAccumulator(curve, plan.phase1.power, fresh, options.logger);
        const opened = openOf(lane.lane);
        if ((await sha256OfFile(fresh)) !== (opened as { outputSha256: string }).outputSha256) throw new CeremonyError('the lane was opened with another file than a new accumulator of 2^' + plan.phase1.power);
      });
      phase1Final = fileOf(lane.lastSha256!);
      await checkFinal(run, curve, lane, beaconOf(lane.lane), phase1Final, plan.beacon.iterationsExp, undefined, options.logger);
    } else {
      const imported = plan.phase1.sha256;
      phase1Final = await run('phase 1: the imported powers of tau, verified in full', async () => {
        const file = files.get(imported);
        if (file === undefined) throw new CeremonyError(`the imported file (sha256 ${imported.slice(0, 16)}…) is not in the folder`);
        // snarkjs checks every contribution of phase 1; a file published prepared has its Lagrange points checked below, for the circuits' domains.
        const phase1Only = join(work, 'imported-phase1.ptau');
        await copyPhase1Sections(file, phase1Only);
        await verifyPhase1(phase1Only, options.logger);
        return file;
      });
    }

    // Phase 2's powers of tau, re-made, then each circuit.
    const r1csOf = (circuit: string) => files.get(plan.circuits.find((candidate) => candidate.name === circuit)!.r1csSha256);
    const domains: number[] = [];
    for (const circuit of plan.circuits) {
      const r1cs = r1csOf(circuit.name);
      if (r1cs === undefined) throw new CeremonyVerificationError('the circuits', `the r1cs of ${circuit.name} (sha256 ${circuit.r1csSha256.slice(0, 16)}…) is not in the folder`);
      domains.push(domainPowerOf(await readR1csHeader(r1cs)));
    }
    // The folder's prepared file is checked against phase 1's final one with two multi-exponentiations per domain
    // (verifyPreparedPhase2); without one, it is made again (the inverse FFTs: minutes at 2^14).
    const inFolder = join(dir, 'phase1', 'prepared.ptau');
    const hasPrepared = await access(inFolder).then(() => true, () => false);
    const prepared = hasPrepared ? inFolder : join(work, 'prepared.ptau');
    await run(hasPrepared ? "phase 2's powers of tau: the folder's prepared file is phase 1's final one, prepared" : "phase 2's powers of tau, prepared again from phase 1's final file", async () => {
      if (hasPrepared) await verifyPreparedPhase2(curve, phase1Final, prepared, domains);
      else await preparePhase2ForDomains(curve, phase1Final, prepared, domains, options.logger);
    });
    const circuits: Record<string, { zkeySha256: string; vkeySha256: string }> = {};
    for (const circuit of plan.circuits) {
      const lane = state.lanes.find((candidate) => candidate.lane.phase === 2 && candidate.lane.circuit === circuit.name)!;
      // The lane's first file, checked against the r1cs and the prepared powers (verifyNewZKey:
      // byte for byte where newZKey copies, random combinations for its points) instead of made again.
      const init = fileOf((openOf(lane.lane) as { outputSha256: string }).outputSha256);
      await run(`${laneName(lane.lane)}: its first file is newZKey of the pinned r1cs`, async () => {
        try {
          await verifyNewZKey(curve, r1csOf(circuit.name)!, prepared, init);
        } catch (error) {
          if (error instanceof NewZKeyError) throw new CeremonyError(`the lane was opened with another proving key than the one the circuit and phase 1 give (${error.message})`);
          throw error;
        }
      });
      const final = fileOf(lane.lastSha256!);
      await checkFinal(run, curve, lane, beaconOf(lane.lane), final, plan.beacon.iterationsExp, { initZkey: init, preparedPtau: prepared }, options.logger);
      const vkeySha256 = await run(`${laneName(lane.lane)}: its verification key had a contribution (vk_gamma_2 differs from vk_delta_2)`, async () => {
        const vkey = assertContributedKey(await exportVerificationKey(final, options.logger), `the verification key of ${circuit.name}`);
        return sha256Hex(verificationKeyFileText(vkey));
      });
      circuits[circuit.name] = { zkeySha256: lane.lastSha256!, vkeySha256 };
    }

    const finalHashes: FinalHashes = { planHash: state.planHash, phase1Sha256: await sha256OfFile(phase1Final), circuits };
    if (options.attestations !== 'skip') {
      await run('attested by every member', () => verifyAttestations(plan, finalHashes, transcript.attestations));
      await run('the keys folder holds the attested keys, and its genesis fragment pins them and this transcript', () => checkKeysFolder(dir, transcript, finalHashes));
    }

    return {
      ceremonyId: plan.ceremonyId,
      members: plan.members.map((member) => member.id),
      lanes: state.lanes.map((lane) => ({ lane: lane.lane, contributors: lane.contributors, skipped: lane.skipped, beacon: lane.closed ? beaconOf(lane.lane).beacon : null })),
      finalHashes,
      checks,
    };
  } finally {
    await curve.terminate();
    await rm(work, { recursive: true, force: true });
  }
}

type Run = <T>(check: string, body: () => Promise<T> | T) => Promise<T>;

/** A lane's final file: snarkjs verifies it, it holds the transcript's contributions, and its last is the beacon with the recorded value. */
async function checkFinal(
  run: Run,
  curve: SetupCurve,
  lane: LaneState,
  beacon: BeaconEntry,
  file: string,
  iterationsExp: number,
  phase2: { initZkey: string; preparedPtau: string } | undefined,
  logger: SetupLogger | undefined,
): Promise<void> {
  const found = await run(`${laneName(lane.lane)}: snarkjs verifies the final file, which holds the transcript's contributions in order`, () =>
    checkLaneFile({ lane, beaconHash: beacon.contributionHash, file, curve, phase2, logger }),
  );
  await run(`${laneName(lane.lane)}: the beacon is the recorded value`, () => {
    const last: FileContribution | undefined = found[found.length - 1];
    if (last?.kind !== 'beacon' || last.beacon === null) throw new CeremonyError('the final file does not end with a beacon');
    if (last.beacon.valueHex !== beacon.beacon) throw new CeremonyError(`the file's beacon is ${last.beacon.valueHex.slice(0, 16)}…, the transcript's ${beacon.beacon.slice(0, 16)}…`);
    if (last.beacon.iterationsExp !== iterationsExp) throw new CeremonyError(`the beacon took 2^${last.beacon.iterationsExp} iterations, the plan says 2^${iterationsExp}`);
  });
}

/** The transcript, or why this folder has none: a demo's keys folder says it is not a multi-party ceremony. */
async function readTranscriptOrExplain(dir: string): Promise<TranscriptDocument> {
  const manifest = await readFile(join(dir, KEYS_MANIFEST_FILE), 'utf8').then((text) => JSON.parse(text) as Partial<KeysManifest>, () => null);
  if (manifest !== null && (manifest.insecure === true || manifest.ceremony === 'demo')) {
    throw new CeremonyError(`${dir} holds the keys of a single-party demo setup (keys-manifest.json: insecure), not of a multi-party ceremony: one process knew every secret, so whoever ran it could forge proofs`);
  }
  return readTranscriptFile(join(dir, TRANSCRIPT_FILE));
}

/**
 * When the folder has keys/ (what nodes load): its keys are the attested ones, its manifest lists
 * them, and its genesis-artifacts.json (once every member attested) pins them and this transcript.
 */
async function checkKeysFolder(dir: string, transcript: TranscriptDocument, hashes: FinalHashes): Promise<void> {
  const keysDir = join(dir, 'keys');
  if (!(await access(join(keysDir, KEYS_MANIFEST_FILE)).then(() => true, () => false))) return;
  await checkAttestedKeys(keysDir, transcript, { attested: hashes, transcriptSha256: await sha256OfFile(join(dir, TRANSCRIPT_FILE)), fragment: 'if-present' });
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
