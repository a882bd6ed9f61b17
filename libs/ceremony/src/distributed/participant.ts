import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withSetupCurve, type SetupLogger } from '@consortium/zkp';
import { signAttestation, verifyAttestations, type CeremonySigner } from '../attestation.js';
import { AttestationError, CeremonyAbortedError, CeremonyError, CeremonyFileError, UnattestedKeysError } from '../errors.js';
import { sha256OfFile } from '../files/hashing.js';
import { checkAttestedKeys } from '../run/attested-keys.js';
import type { CeremonyTelemetry } from '../run/instrument.js';
import { CeremonyWorkspace } from '../run/workspace.js';
import { checkTranscript, readTranscriptFile, TRANSCRIPT_FILE, writeTranscriptFile, type TranscriptDocument } from '../transcript/document.js';
import { verifyCeremony } from '../verify/verify-ceremony.js';
import { FileIndex, fetchFile, incomingDirOf, isSafeRelativePath } from './files.js';
import { CeremonyProtocolError, decodeRequest, decodeResponse, encodeChunk, encodeRequest, refusalResponse, type CeremonyRequest, type CeremonyStatus, type Refusal, type ServedFile } from './messages.js';
import { untracked, type PartyStep, type PartyStepHooks, type PartyStepTracker } from './steps.js';
import type { CeremonyTransport } from './transport.js';

/**
 * A member's side of the distributed ceremony. It polls the coordinator's status (everyone sees
 * the progress); when its turn comes it fetches what it builds on into its own copy of the
 * ceremony folder, checks the lane so far (every earlier contribution, snarkjs's pairing
 * checks, against the transcript) and contributes with randomness that never touches disk,
 * then tells the coordinator, which fetches the new file from it and checks it. Once every
 * lane is closed it fetches every file, checks the whole ceremony itself (`verifyCeremony`)
 * and attests the final hashes only if they are what it found. At the end its folder holds
 * the whole ceremony and its keys folder, as the coordinator's does.
 *
 * What the coordinator sends is checked, never trusted: the transcript must replay (every
 * signature) and extend what this member saw before (a coordinator that rewrites history is
 * refused), each file must have the hash it was asked for.
 */

export interface ParticipantOptions {
  /** This member's copy of the ceremony folder (made if new; resumed if not). */
  readonly dir: string;
  readonly memberId: string;
  readonly signer: CeremonySigner;
  readonly transport: CeremonyTransport;
  /** The coordinator's member id (the plan's coordinator). */
  readonly coordinator: string;
  readonly pollIntervalMs?: number | undefined;
  readonly requestTimeoutMs?: number | undefined;
  readonly logger?: SetupLogger | undefined;
  readonly telemetry?: CeremonyTelemetry | undefined;
  /** Each new status (progress for a display). */
  readonly onStatus?: ((status: CeremonyStatus) => void) | undefined;
  /** What this member is doing now or what happened to its step, in words ("attested the final hashes; waiting ..."). */
  readonly onActivity?: ((activity: string) => void) | undefined;
  /** Runs each long step (a fetch, the contribution, the whole check) under a display. */
  readonly track?: PartyStepTracker | undefined;
  readonly onRefused?: ((from: string, refusal: Refusal, reason: string) => void) | undefined;
}

const DEFAULT_POLL_MS = 500;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export class CeremonyParticipant {
  private readonly files: FileIndex;
  /** The transcript length and this member's rejections when it last handed over a contribution. */
  private handedOver: { readonly entries: number; readonly rejections: number } | null = null;
  private attestationSent = false;
  private stopped = false;
  /** The last reason the coordinator could not be reached, told once. */
  private lastPollProblem: string | null = null;

  constructor(private readonly options: ParticipantOptions) {
    this.files = new FileIndex(options.dir, ['incoming', 'keys']);
    options.transport.onRequest('ceremony', (from, payload) => this.serve(from, payload));
  }

  /** Stops polling (the run rejects with CeremonyError). */
  stop(): void {
    this.stopped = true;
  }

  /** Takes part until the ceremony is complete (resolves with the final status) or aborted (CeremonyAbortedError). */
  async run(): Promise<CeremonyStatus> {
    await mkdir(this.options.dir, { recursive: true });
    await this.files.refresh();
    let previous = '';
    for (;;) {
      if (this.stopped) throw new CeremonyError(`${this.options.memberId} stopped taking part`);
      const status = await this.poll();
      if (status !== null) {
        const fingerprint = JSON.stringify([status.stage, status.transcript.entries.length, status.transcript.attestations.length, status.due, status.rejections.length]);
        if (fingerprint !== previous) this.options.onStatus?.(status);
        previous = fingerprint;
        if (status.stage === 'aborted') throw new CeremonyAbortedError(`the coordinator aborted the ceremony: ${status.abortReason ?? 'no reason given'}`);
        if (status.stage === 'complete') {
          await this.collect(status);
          return status;
        }
        if (status.stage === 'attesting' && !this.attestationSent && !status.transcript.attestations.some((attestation) => attestation.member === this.options.memberId)) await this.attest(status);
        if (status.stage === 'running' && this.isMyTurn(status)) await this.contribute(status);
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pollIntervalMs ?? DEFAULT_POLL_MS));
    }
  }

  /** The coordinator's status, or null while it cannot be reached (not started yet, a network hiccup). */
  private async poll(): Promise<CeremonyStatus | null> {
    try {
      const response = decodeResponse(await this.request({ type: 'status' }));
      this.lastPollProblem = null;
      if (response.type !== 'status') throw new CeremonyProtocolError('malformed', 'the coordinator answered a status request with something else');
      return response.status;
    } catch (error) {
      if (error instanceof CeremonyError) throw error;
      const problem = `cannot reach the coordinator ${this.options.coordinator} yet (${(error as Error).message}); trying again`;
      if (problem !== this.lastPollProblem) this.options.onActivity?.(problem);
      this.lastPollProblem = problem;
      return null;
    }
  }

  private isMyTurn(status: CeremonyStatus): boolean {
    if (status.due?.member !== this.options.memberId) return false;
    const mine = status.rejections.filter((rejection) => rejection.member === this.options.memberId).length;
    // Handed over at this point already, and not refused since: the coordinator is checking it.
    return this.handedOver === null || this.handedOver.entries !== status.transcript.entries.length || this.handedOver.rejections !== mine;
  }

  private async contribute(status: CeremonyStatus): Promise<void> {
    const { memberId, signer } = this.options;
    const transcript = await this.takeTranscript(status.transcript);
    const state = checkTranscript(transcript);
    const next = state.next;
    if (next?.kind !== 'contribution' || next.member !== memberId) return;
    // What the contribution builds on: the lane's file; for phase 2 also the lane's first key,
    // the prepared powers of tau and phase 1's final file (checked against each other) and the r1cs.
    const needed = new Set<string>([next.inputSha256]);
    if (next.lane.phase === 2) {
      const circuit = next.lane.circuit;
      const opened = transcript.entries.find((entry) => entry.kind === 'open' && entry.lane.phase === 2 && entry.lane.circuit === circuit);
      if (opened?.kind === 'open') needed.add(opened.outputSha256);
      const phase1 = state.lanes.find((lane) => lane.lane.phase === 1)?.lastSha256 ?? (transcript.plan.phase1.source === 'import' ? transcript.plan.phase1.sha256 : null);
      if (phase1 !== null) needed.add(phase1);
      for (const planned of transcript.plan.circuits) needed.add(planned.r1csSha256);
    }
    await this.fetchAll(status.files.filter((file) => needed.has(file.sha256) || file.path === 'phase1/prepared.ptau'));
    await writeTranscriptFile(join(this.options.dir, TRANSCRIPT_FILE), transcript);

    const rejectionsBefore = status.rejections.filter((rejection) => rejection.member === memberId).length;
    const workspace = await CeremonyWorkspace.open(this.options.dir, { telemetry: this.options.telemetry });
    const result = await this.track({ kind: 'contribute', lane: next.lane }, (hooks) =>
      withSetupCurve((curve) => workspace.contribute(memberId, signer, curve, { logger: hooks.logger ?? this.options.logger, onStage: hooks.onStage })),
    );
    await this.files.refresh();
    const entry = result.entry;
    if (entry.kind !== 'contribution') throw new CeremonyError('the workspace made no contribution');
    const output = this.files.find(entry.outputSha256);
    if (output === undefined) throw new CeremonyFileError(this.options.dir, 'the contribution written cannot be found in the folder');
    this.options.onActivity?.('handing the contribution over to the coordinator');
    try {
      decodeResponse(await this.request({ type: 'contribution', entry, size: output.size }));
      this.handedOver = { entries: transcript.entries.length, rejections: rejectionsBefore };
    } catch (error) {
      // Refused (its time is up, say) or not delivered: the next status tells what to do.
      this.options.onActivity?.(`the coordinator did not take the contribution: ${(error as Error).message}`);
    }
  }

  /** Every file, the whole ceremony checked here, then this member's signature of the final hashes. */
  private async attest(status: CeremonyStatus): Promise<void> {
    const { memberId, signer } = this.options;
    const transcript = await this.takeTranscript(status.transcript);
    if (checkTranscript(transcript).next !== null) throw new CeremonyError('the coordinator asks for attestations before every lane is closed');
    await this.fetchAll(status.files.filter((file) => file.path !== TRANSCRIPT_FILE));
    await writeTranscriptFile(join(this.options.dir, TRANSCRIPT_FILE), transcript);
    const report = await this.track({ kind: 'verify' }, (hooks) =>
      verifyCeremony(this.options.dir, { attestations: 'skip', member: memberId, logger: hooks.logger ?? this.options.logger, telemetry: this.options.telemetry }),
    );
    if (JSON.stringify(report.finalHashes) !== JSON.stringify(status.finalHashes)) {
      throw new AttestationError(`the final hashes the coordinator asks ${memberId} to attest are not those its own check of the ceremony found: not attesting; do not use these keys`);
    }
    decodeResponse(await this.request({ type: 'attestation', signature: signAttestation(report.finalHashes, memberId, signer) }));
    this.attestationSent = true;
    this.options.onActivity?.('attested the final hashes; waiting for the other members');
  }

  /**
   * The final transcript (every attestation checked) and the keys folder, into this member's
   * folder. The keys are compared with the attested hashes (and the genesis fragment with both):
   * the coordinator hands the folder out after the attestations, and could hand out other keys.
   */
  private async collect(status: CeremonyStatus): Promise<void> {
    const transcript = await this.takeTranscript(status.transcript);
    if (status.finalHashes === null) throw new CeremonyError('the coordinator calls the ceremony complete without final hashes');
    verifyAttestations(transcript.plan, status.finalHashes, transcript.attestations);
    const transcriptPath = join(this.options.dir, TRANSCRIPT_FILE);
    await writeTranscriptFile(transcriptPath, transcript);
    const keysDir = join(this.options.dir, 'keys');
    for (const file of status.keysFiles) {
      if (!isSafeRelativePath(file.path)) throw new CeremonyProtocolError('malformed', `the coordinator names a keys file ${JSON.stringify(file.path)}, not a path inside the keys folder`);
      const local = this.files.find(file.sha256);
      await this.fetchOne(file, join(keysDir, file.path), local === undefined ? undefined : this.files.absolute(local));
    }
    try {
      await checkAttestedKeys(keysDir, transcript, { attested: status.finalHashes, transcriptSha256: await sha256OfFile(transcriptPath), fragment: 'required' });
    } catch (error) {
      if (!(error instanceof UnattestedKeysError)) throw error;
      throw new UnattestedKeysError(
        keysDir,
        error.detail,
        `The coordinator ${this.options.coordinator} handed out keys other than the attested ones: do not pin or load them, and tell the other members. The ceremony's final files in ${this.options.dir} are the ones this member checked before attesting (\`consortium-setup ceremony verify ${this.options.dir}\` names what differs in the keys folder).`,
      );
    }
    this.options.onActivity?.('collected the keys folder: its keys and genesis fragment are the attested ones');
    await this.request({ type: 'collected' }).catch(() => undefined);
  }

  /**
   * The coordinator's transcript, checked: it replays (every signature), it is this member's
   * plan, and it extends the copy this member holds. The one difference allowed is this
   * member's own last entry, which the coordinator refused or passed over (its time ran out).
   */
  private async takeTranscript(theirs: TranscriptDocument): Promise<TranscriptDocument> {
    checkTranscript(theirs);
    if (!theirs.plan.members.some((member) => member.id === this.options.memberId)) throw new CeremonyError(`${this.options.memberId} is not a member of the coordinator's plan`);
    const path = join(this.options.dir, TRANSCRIPT_FILE);
    if (!(await access(path).then(() => true, () => false))) return theirs;
    const mine = await readTranscriptFile(path);
    if (JSON.stringify(mine.plan) !== JSON.stringify(theirs.plan)) throw new CeremonyError("the coordinator's transcript is of another plan than this member's copy");
    mine.entries.forEach((entry, i) => {
      const other = theirs.entries[i];
      const ownUnaccepted = i === mine.entries.length - 1 && entry.signer === this.options.memberId && entry.kind === 'contribution';
      if (other === undefined ? !ownUnaccepted : other.signature !== entry.signature && !ownUnaccepted) {
        throw new CeremonyError(`the coordinator's transcript does not extend this member's copy at entry ${i}: it was rewritten; not taking part further`);
      }
    });
    return theirs;
  }

  private async fetchAll(files: readonly ServedFile[]): Promise<void> {
    for (const file of files) {
      if (!isSafeRelativePath(file.path)) throw new CeremonyProtocolError('malformed', `the coordinator names a file ${JSON.stringify(file.path)}, not a path inside the ceremony folder`);
      await this.fetchOne(file, join(this.options.dir, file.path));
    }
    await this.files.refresh();
  }

  private async fetchOne(file: ServedFile, into: string, localCopy?: string): Promise<void> {
    if ((await sha256OfFile(into).catch(() => null)) === file.sha256) return;
    await this.track({ kind: 'fetch', path: file.path, size: file.size }, (hooks) =>
      fetchFile({
      transport: this.options.transport,
      from: this.options.coordinator,
      sha256: file.sha256,
      size: file.size,
      into,
      incomingDir: incomingDirOf(this.options.dir),
      requestTimeoutMs: this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      localCopy,
      onBytes: hooks.onBytes,
    }),
    );
  }

  private track<T>(step: PartyStep, body: (hooks: PartyStepHooks) => Promise<T>): Promise<T> {
    return (this.options.track ?? untracked)(step, body);
  }

  private request(request: CeremonyRequest): Promise<Uint8Array> {
    return this.options.transport.request(this.options.coordinator, 'ceremony', encodeRequest(request), this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  }

  /** A participant serves the chunks of its own files (the coordinator fetches its contribution); nothing else. */
  private async serve(from: string, payload: Uint8Array): Promise<Uint8Array> {
    try {
      const request = decodeRequest(payload);
      if (request.type !== 'chunk') throw new CeremonyProtocolError('not_coordinator', `${this.options.memberId} is not the coordinator: ask ${this.options.coordinator}`);
      const chunk = await this.files.chunk(request.sha256, request.offset);
      if (chunk === undefined) throw new CeremonyProtocolError('unknown_file', `${this.options.memberId} serves no file with sha256 ${request.sha256.slice(0, 16)}…`);
      return encodeChunk(chunk);
    } catch (error) {
      return refusalResponse(error, from, { count: (reason) => this.options.telemetry?.metrics?.refusedRequestsTotal.inc({ reason }), tell: this.options.onRefused });
    }
  }
}
