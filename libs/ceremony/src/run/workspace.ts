import { access, copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { verifyPreparedPhase2, withSetupCurve, type SetupCurve, type SetupLogger } from '@consortium/zkp';
import type { CeremonySigner, FinalHashes, MemberSignature } from '../attestation.js';
import { CeremonyFileError, ContributionRejectedError, NotYourTurnError } from '../errors.js';
import { ceremonyFolder, type CeremonyFolder } from '../folder.js';
import { filesBySha256, sha256OfFile } from '../files/hashing.js';
import { domainPowersOf } from '../files/r1cs-header.js';
import type { CeremonyPlan, PlanSignature } from '../plan.js';
import { appendEntry, checkTranscript, newTranscript, readTranscriptFile, writeTranscriptFile, type TranscriptDocument } from '../transcript/document.js';
import { sameLane, type Lane, type TranscriptEntry } from '../transcript/entries.js';
import type { LaneState, NextStep, TranscriptState } from '../transcript/replay.js';
import { closeLane, contribute, expectTurn, openPhase1, openPhase2, preparePhase2, skipMember, type StepResult } from './actions.js';
import { addAttestation } from './finish.js';
import { instrumentStep, type CeremonyStepName, type CeremonyTelemetry } from './instrument.js';
import { checkLaneFile, type Phase2Inputs } from './lane-check.js';

/** What a step of the workspace may take besides who takes it: snarkjs's lines, the clock, the stages (progress). */
export interface StepOptions {
  readonly logger?: SetupLogger | undefined;
  readonly now?: (() => number) | undefined;
  readonly onStage?: ((stage: 'check' | 'compute') => void) | undefined;
}

/**
 * A ceremony folder driven step by step: each step reads where the transcript stands, finds the
 * lane's current file by its sha256, runs the action (actions.ts) into a new file named after
 * the step, and writes the transcript back (atomically) only once the step succeeded. A crash
 * or a refused step leaves the transcript at the last verified contribution: opening the folder
 * again resumes from there. The coordinator's machine, a member's air-gapped one (with a copy
 * of the folder) and the distributed mode all use this.
 */
export class CeremonyWorkspace {
  /** Whether this folder's prepared powers of tau were checked against phase 1 (once per workspace). */
  private preparedChecked = false;

  private constructor(
    readonly folder: CeremonyFolder,
    private document: TranscriptDocument,
    private readonly telemetry: CeremonyTelemetry | undefined,
  ) {}

  /** A new ceremony folder: the plan with every member's signature, and the circuits' r1cs (checked against the plan). */
  static async create(
    dir: string,
    plan: CeremonyPlan,
    signatures: readonly PlanSignature[],
    r1csFiles: Readonly<Record<string, string>>,
    options: { readonly telemetry?: CeremonyTelemetry } = {},
  ): Promise<CeremonyWorkspace> {
    const document = newTranscript(plan, signatures);
    const folder = ceremonyFolder(dir);
    for (const circuit of plan.circuits) {
      const source = r1csFiles[circuit.name];
      if (source === undefined) throw new CeremonyFileError(folder.r1cs(circuit.name), `no r1cs given for ${circuit.name}`);
      const sha256 = await sha256OfFile(source);
      if (sha256 !== circuit.r1csSha256) throw new CeremonyFileError(source, `it is not the r1cs of ${circuit.name} the plan names`);
      await mkdir(dirname(folder.r1cs(circuit.name)), { recursive: true });
      if (resolve(source) !== resolve(folder.r1cs(circuit.name))) await copyFile(source, folder.r1cs(circuit.name));
    }
    await mkdir(dir, { recursive: true });
    await writeTranscriptFile(folder.transcript, document);
    return new CeremonyWorkspace(folder, document, options.telemetry);
  }

  /** An existing folder, its transcript checked. */
  static async open(dir: string, options: { readonly telemetry?: CeremonyTelemetry } = {}): Promise<CeremonyWorkspace> {
    const folder = ceremonyFolder(dir);
    const document = await readTranscriptFile(folder.transcript);
    checkTranscript(document);
    options.telemetry?.metrics?.transcriptEntries.set(document.entries.length);
    return new CeremonyWorkspace(folder, document, options.telemetry);
  }

  /** One step, with its span and metrics (instrumentStep). */
  private step<T>(name: CeremonyStepName, lane: Lane | null, member: string, body: () => Promise<T>): Promise<T> {
    return instrumentStep(this.telemetry, { name, ceremonyId: this.document.plan.ceremonyId, lane, member }, body);
  }

  get transcript(): TranscriptDocument {
    return this.document;
  }

  state(): TranscriptState {
    return checkTranscript(this.document);
  }

  /** The step the ceremony waits for, or null when every lane is closed. */
  next(): NextStep | null {
    return this.state().next;
  }

  /**
   * The coordinator opens the next lane. Phase 2's first lane needs phase 2's powers of tau:
   * prepared here from phase 1's final file (or the imported one, `importedPhase1`) first.
   */
  async open(member: string, signer: CeremonySigner, curve: SetupCurve, options: { logger?: SetupLogger; importedPhase1?: string; now?: () => number } = {}): Promise<StepResult> {
    return this.step('open', this.next()?.lane ?? null, member, () => this.openStep(member, signer, curve, options));
  }

  private async openStep(member: string, signer: CeremonySigner, curve: SetupCurve, options: { logger?: SetupLogger; importedPhase1?: string; now?: () => number }): Promise<StepResult> {
    const { next } = expectTurn(this.document, 'open', member);
    const seq = this.document.entries.length;
    if (next.lane.phase === 1) {
      const output = await this.outputFor(next.lane, seq, 'open');
      return this.commit(await openPhase1({ transcript: this.document, member, signer, curve, output, logger: options.logger, now: options.now }));
    }
    await this.step('prepare', null, member, () => this.ensurePrepared(curve, options.importedPhase1, options.logger));
    const output = await this.outputFor(next.lane, seq, 'open');
    return this.commit(
      await openPhase2({ transcript: this.document, member, signer, curve, output, r1cs: this.folder.r1cs(next.lane.circuit), preparedPtau: this.folder.preparedPtau, logger: options.logger, now: options.now }),
    );
  }

  /**
   * `member` checks the lane so far and contributes. Its own output is not checked again here:
   * whoever builds on it next (a member, or the coordinator's beacon) checks it first, and the
   * coordinator checks what it accepts from another machine.
   */
  async contribute(member: string, signer: CeremonySigner, curve: SetupCurve, options: StepOptions = {}): Promise<StepResult> {
    return this.step('contribute', this.next()?.lane ?? null, member, async () => {
      const { next } = expectTurn(this.document, 'contribution', member);
      const input = await this.currentFile(next.lane);
      const output = await this.outputFor(next.lane, this.document.entries.length, member);
      const phase2 = await this.phase2Inputs(next.lane);
      return this.commit(await contribute({ transcript: this.document, member, signer, curve, input, output, phase2, logger: options.logger, now: options.now, onStage: options.onStage }));
    });
  }

  /**
   * The coordinator takes the entries another copy of the transcript has beyond this one (a
   * member's air-gapped machine, a peer), one by one, each file checked before its entry is
   * taken: a corrupt or malicious contribution is refused (ContributionRejectedError naming the
   * member and the problem) and the ceremony goes on from the last verified file. `files`: where
   * the new files are (they are copied into the folder).
   */
  async accept(document: TranscriptDocument, files: readonly string[], curve: SetupCurve, options: { logger?: SetupLogger } = {}): Promise<number> {
    const newcomer = document.entries[this.document.entries.length];
    return this.step('accept', newcomer?.lane ?? null, newcomer?.signer ?? this.document.plan.coordinator, () => this.acceptEntries(document, files, curve, options));
  }

  private async acceptEntries(document: TranscriptDocument, files: readonly string[], curve: SetupCurve, options: { logger?: SetupLogger }): Promise<number> {
    const mine = this.document.entries;
    if (document.entries.length < mine.length || mine.some((entry, i) => entry.signature !== document.entries[i]?.signature)) {
      throw new CeremonyFileError(this.folder.transcript, 'the other transcript does not extend this one: it forked from it or is older');
    }
    const bySha = new Map<string, string>();
    for (const file of files) bySha.set(await sha256OfFile(file), file);
    let accepted = 0;
    for (const entry of document.entries.slice(mine.length)) {
      const candidate = appendEntry(this.document, entry);
      if (entry.kind !== 'skip') {
        const source = bySha.get(entry.outputSha256) ?? (await this.fileWithSha256(entry.outputSha256).catch(() => undefined));
        const who = entry.kind === 'contribution' ? entry.signer : `${entry.signer} (coordinator, ${entry.kind})`;
        if (source === undefined) throw new ContributionRejectedError(who, `its file (sha256 ${entry.outputSha256.slice(0, 16)}…) was not handed over`);
        const into = await this.outputFor(entry.lane, entry.seq, entry.kind === 'contribution' ? entry.signer : entry.kind);
        if (source !== into) await copyFile(source, into);
        try {
          await this.checkNewFile(candidate, entry, into, curve, options.logger);
        } catch (error) {
          await rm(into, { force: true });
          if (error instanceof CeremonyFileError) throw new ContributionRejectedError(who, error.message);
          throw error;
        }
      }
      await writeTranscriptFile(this.folder.transcript, candidate);
      this.document = candidate;
      this.telemetry?.metrics?.transcriptEntries.set(candidate.entries.length);
      accepted += 1;
    }
    return accepted;
  }

  /** The coordinator skips the member whose turn it is (plan policy `skip`), or the ceremony aborts (`abort`). */
  async skip(member: string, signer: CeremonySigner, reason: string, options: { now?: () => number } = {}): Promise<StepResult> {
    return this.step('skip', this.next()?.lane ?? null, member, async () => {
      const next = this.next();
      if (next?.kind !== 'contribution') throw new NotYourTurnError('no member is due to contribute: nothing to skip');
      return this.commit(skipMember({ transcript: this.document, member, signer, skipped: next.member, reason, now: options.now }));
    });
  }

  /** The coordinator closes the lane with the beacon value. */
  async close(member: string, signer: CeremonySigner, curve: SetupCurve, beaconHex: string, options: StepOptions = {}): Promise<StepResult> {
    return this.step('beacon', this.next()?.lane ?? null, member, async () => {
      const { next } = expectTurn(this.document, 'beacon', member);
      const input = await this.currentFile(next.lane);
      const output = await this.outputFor(next.lane, this.document.entries.length, 'beacon');
      return this.commit(
        await closeLane({ transcript: this.document, member, signer, curve, input, output, beaconHex, phase2: await this.phase2Inputs(next.lane), logger: options.logger, now: options.now, onStage: options.onStage }),
      );
    });
  }

  /** A member's attestation of the final hashes (signed here or elsewhere), checked and written to the transcript. */
  async attest(hashes: FinalHashes, attestation: MemberSignature): Promise<void> {
    const document = addAttestation(this.document, hashes, attestation);
    await writeTranscriptFile(this.folder.transcript, document);
    this.document = document;
  }

  /** Where a lane's files live: the file with the lane's last verified sha256. */
  async currentFile(lane: Lane): Promise<string> {
    const sha256 = laneStateOf(this.state(), lane).lastSha256;
    if (sha256 === null) throw new CeremonyFileError(this.folder.dir, 'the lane is not open');
    return this.fileWithSha256(sha256);
  }

  /** The file in the folder with this sha256 (the transcript names files by hash). */
  async fileWithSha256(sha256: string): Promise<string> {
    const files = await filesBySha256(this.folder.dir, ['.ptau', '.zkey']);
    const file = files.get(sha256);
    if (file === undefined) throw new CeremonyFileError(this.folder.dir, `no file with sha256 ${sha256.slice(0, 16)}… in the folder: copy it in from the member who made it`);
    return file;
  }

  /** Phase 1's final file: the last of the phase-1 lane, or the imported one. */
  async phase1Final(importedPhase1?: string): Promise<string> {
    const { plan } = this.document;
    if (plan.phase1.source === 'import') return importedPhase1 ?? this.fileWithSha256(plan.phase1.sha256);
    return this.currentFile({ phase: 1 });
  }

  private async ensurePrepared(curve: SetupCurve, importedPhase1: string | undefined, logger: SetupLogger | undefined): Promise<void> {
    const phase1Final = await this.phase1Final(importedPhase1);
    if (this.document.plan.phase1.source === 'import' && importedPhase1 !== undefined) {
      // The imported file joins the folder, so that anyone verifying finds it.
      await mkdir(dirname(this.folder.preparedPtau), { recursive: true });
      await copyFile(importedPhase1, this.folder.phase1File(0, 'imported'));
    }
    // Made once, before the first phase-2 lane; written under another name and renamed, so a
    // file by this name is always whole (a crash mid-way leaves only the partial one).
    if (await access(this.folder.preparedPtau).then(() => true, () => false)) {
      // A copy from the coordinator (or this folder's own): checked against phase 1's final file, cheaply.
      const domains = await this.circuitDomains();
      await verifyPreparedPhase2(curve, phase1Final, this.folder.preparedPtau, domains);
      this.preparedChecked = true;
      return;
    }
    const partial = `${this.folder.preparedPtau}.partial`;
    await mkdir(dirname(partial), { recursive: true });
    await rm(partial, { force: true });
    await preparePhase2({
      transcript: this.document,
      phase1Final,
      r1csFiles: this.document.plan.circuits.map((circuit) => this.folder.r1cs(circuit.name)),
      output: partial,
      curve,
      logger,
    });
    await rename(partial, this.folder.preparedPtau);
    this.preparedChecked = true;
  }

  /** The file an entry produced, checked as the next member will check it: its hash, snarkjs's verification, the contributions it holds. */
  private async checkNewFile(document: TranscriptDocument, entry: TranscriptEntry, file: string, curve: SetupCurve, logger: SetupLogger | undefined): Promise<void> {
    if (entry.kind === 'skip' || entry.kind === 'open') return;
    const lane = laneStateOf(checkTranscript(document), entry.lane);
    const beaconHash = entry.kind === 'beacon' ? entry.contributionHash : null;
    await checkLaneFile({ lane, beaconHash, file, curve, phase2: await this.phase2Inputs(entry.lane), logger });
  }

  /** The Groth16 domains of the plan's circuits, from the folder's r1cs files. */
  private circuitDomains(): Promise<number[]> {
    return domainPowersOf(this.document.plan.circuits.map((circuit) => this.folder.r1cs(circuit.name)));
  }

  private async phase2Inputs(lane: Lane): Promise<Phase2Inputs | undefined> {
    if (lane.phase === 1) return undefined;
    const opened = this.document.entries.find((entry) => entry.kind === 'open' && entry.lane.phase === 2 && entry.lane.circuit === lane.circuit);
    if (opened === undefined || opened.kind !== 'open') throw new CeremonyFileError(this.folder.dir, `phase 2 of ${lane.circuit} is not open`);
    if (!this.preparedChecked) {
      // Phase 2's powers of tau came with the folder: checked once, cheaply, against phase 1's final file.
      const domains = await this.circuitDomains();
      await withSetupCurve(async (curve) => verifyPreparedPhase2(curve, await this.phase1Final(), this.folder.preparedPtau, domains));
      this.preparedChecked = true;
    }
    return { initZkey: await this.fileWithSha256(opened.outputSha256), preparedPtau: this.folder.preparedPtau };
  }

  private async outputFor(lane: Lane, seq: number, who: string): Promise<string> {
    const path = lane.phase === 1 ? this.folder.phase1File(seq, who) : this.folder.phase2File(lane.circuit, seq, who);
    await mkdir(dirname(path), { recursive: true });
    await rm(path, { force: true }); // a crashed attempt's partial file
    return path;
  }

  private async commit(result: StepResult): Promise<StepResult> {
    await writeTranscriptFile(this.folder.transcript, result.transcript);
    this.document = result.transcript;
    this.telemetry?.metrics?.transcriptEntries.set(result.transcript.entries.length);
    return result;
  }
}

function laneStateOf(state: TranscriptState, lane: Lane): LaneState {
  return state.lanes.find((candidate) => sameLane(candidate.lane, lane))!;
}

