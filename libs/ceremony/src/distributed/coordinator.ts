import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { withSetupCurve, type SetupCurve, type SetupLogger } from '@consortium/zkp';
import { signAttestation, type CeremonySigner } from '../attestation.js';
import { CeremonyAbortedError, CeremonyError } from '../errors.js';
import { describeNextStep } from '../report.js';
import { writeCeremonyKeys, writeGenesisFragment, type CeremonyCircuitFiles, type CeremonyKeys } from '../run/finish.js';
import type { CeremonyTelemetry } from '../run/instrument.js';
import type { CeremonyWorkspace } from '../run/workspace.js';
import { laneName } from '../transcript/entries.js';
import type { NextStep } from '../transcript/replay.js';
import { sha256OfFile } from '../files/hashing.js';
import { FileIndex, fetchFile, incomingDirOf } from './files.js';
import {
  CeremonyProtocolError,
  decodeRequest,
  encodeChunk,
  encodeResponse,
  refusalResponse,
  type CeremonyRequest,
  type CeremonyStage,
  type CeremonyStatus,
  type Refusal,
} from './messages.js';
import { untracked, type PartyStep, type PartyStepHooks, type PartyStepTracker } from './steps.js';
import type { CeremonyTransport } from './transport.js';

/**
 * The coordinator of the distributed ceremony: the member the plan names drives it from its
 * ceremony folder (a CeremonyWorkspace, so a crash resumes from the last verified
 * contribution). It takes its own steps (it opens and closes each lane, and contributes in its
 * turn), and for every other member's turn it waits, up to the plan's time limit, for that
 * member to say it has contributed; then it downloads the member's file chunk by chunk and
 * checks it as the next member would (workspace.accept). A contribution that fails a check is
 * refused, named in the status (`rejections`), and the ceremony goes on from the last verified
 * file: the member may try again until its time is up. A member past its time is skipped, or
 * the ceremony aborts, by the plan's policy. Once every lane is closed the coordinator writes
 * the keys, checks the whole ceremony itself and attests, and collects every member's
 * attestation; then the genesis fragment. Everyone sees the progress through `status`.
 */

export interface CoordinatorOptions {
  readonly workspace: CeremonyWorkspace;
  readonly signer: CeremonySigner;
  readonly transport: CeremonyTransport;
  /** The beacon value, from the source the plan fixed in advance. */
  readonly beaconHex: string;
  /** What the keys folder needs besides the final keys: the key epoch and each circuit's witness calculator. */
  readonly keys: { readonly epoch: number; readonly circuits: readonly Omit<CeremonyCircuitFiles, 'zkey' | 'r1cs'>[] };
  /** The public powers-of-tau file a plan with an imported phase 1 names. */
  readonly importedPhase1?: string | undefined;
  /** One request to a participant (a chunk of its file). */
  readonly requestTimeoutMs?: number | undefined;
  /**
   * How long the members have to check the whole ceremony and attest, once every lane is
   * closed. Default: the plan's contribution time limit once per member (a whole check takes
   * longer than one contribution).
   */
  readonly attestationTimeLimitMs?: number | undefined;
  /** How long the coordinator waits for the participants to collect the keys once complete (or to see an abort). */
  readonly lingerMs?: number | undefined;
  readonly logger?: SetupLogger | undefined;
  /** Where refused requests are counted (the workspace reports its steps itself). */
  readonly telemetry?: CeremonyTelemetry | undefined;
  /** Called whenever the status changes (a step, a rejection, an attestation): the coordinator's own progress display. */
  readonly onStatus?: ((status: CeremonyStatus) => void) | undefined;
  /** Runs each long step of the coordinator's own (open, contribute, beacon, accept, keys, verify) under a display. */
  readonly track?: PartyStepTracker | undefined;
  /** A request refused (a security event: nothing changed). */
  readonly onRefused?: ((from: string, refusal: Refusal, reason: string) => void) | undefined;
}

interface Submission {
  readonly from: string;
  readonly request: Extract<CeremonyRequest, { type: 'contribution' }>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_LINGER_MS = 60_000;

export class CeremonyCoordinator {
  private stage: CeremonyStage = 'running';
  private due: CeremonyStatus['due'] = null;
  private abortReason: string | null = null;
  private readonly rejections: { member: string; reason: string; timeMs: number }[] = [];
  private readonly folderFiles: FileIndex;
  private readonly keysFiles: FileIndex;
  private submission: Submission | null = null;
  /** Wakes the loop waiting for a submission or an attestation. */
  private wake: (() => void) | null = null;
  /** Members that told the coordinator they hold the final keys (or saw the abort). */
  private readonly collected = new Set<string>();
  /** Members that have asked for the status at least once: those the coordinator lingers for. */
  private readonly polled = new Set<string>();
  private readonly me: string;
  private keys: CeremonyKeys | null = null;
  /** Attestations are written one at a time (the coordinator's own and those arriving). */
  private attesting: Promise<void> = Promise.resolve();

  constructor(private readonly options: CoordinatorOptions) {
    const { workspace } = options;
    this.me = workspace.transcript.plan.coordinator;
    this.folderFiles = new FileIndex(workspace.folder.dir, ['incoming', 'keys']);
    this.keysFiles = new FileIndex(workspace.folder.keys);
    options.transport.onRequest('ceremony', (from, payload) => this.serve(from, payload));
  }

  status(): CeremonyStatus {
    return {
      stage: this.stage,
      transcript: this.options.workspace.transcript,
      due: this.due,
      files: this.folderFiles.list(),
      finalHashes: this.keys?.finalHashes ?? null,
      keysFiles: this.stage === 'complete' ? this.keysFiles.list() : [],
      rejections: [...this.rejections],
      abortReason: this.abortReason,
    };
  }

  /** Runs the ceremony to its end: resolves with the final status once complete, throws CeremonyAbortedError when it aborts. */
  async run(): Promise<CeremonyStatus> {
    try {
      await this.folderFiles.refresh();
      // One curve handle through the keys too: snarkjs's export of the verification keys takes
      // the shared curve, whose worker threads end (and let the process exit) with the last handle.
      await withSetupCurve(async (curve) => {
        await this.runLanes(curve);
        await this.finishAndAttest();
      });
      await this.awaitAttestations();
      await writeGenesisFragment(this.options.workspace.folder.keys, this.keys!.manifest, await sha256OfFile(this.options.workspace.folder.transcript));
      await this.keysFiles.refresh();
      this.stage = 'complete';
      this.changed();
      await this.linger();
      return this.status();
    } catch (error) {
      if (this.stage !== 'aborted') {
        this.stage = 'aborted';
        this.abortReason = error instanceof Error ? error.message : String(error);
        this.changed();
      }
      await this.linger();
      throw error;
    }
  }

  private async runLanes(curve: SetupCurve): Promise<void> {
    const { workspace, signer } = this.options;
    for (let next = workspace.next(); next !== null; next = workspace.next()) {
      const { lane } = next;
      if (next.kind === 'open') {
        await this.track({ kind: 'open', lane }, (hooks) => workspace.open(this.me, signer, curve, { logger: this.loggerOf(hooks), importedPhase1: this.options.importedPhase1 }));
      } else if (next.kind === 'beacon') {
        await this.track({ kind: 'beacon', lane }, (hooks) => workspace.close(this.me, signer, curve, this.options.beaconHex, { logger: this.loggerOf(hooks), onStage: hooks.onStage }));
      } else if (next.member === this.me) {
        await this.track({ kind: 'contribute', lane }, (hooks) => workspace.contribute(this.me, signer, curve, { logger: this.loggerOf(hooks), onStage: hooks.onStage }));
      } else {
        await this.awaitContribution(next, curve);
      }
      await this.folderFiles.refresh();
      this.changed();
    }
  }

  /** A member's turn: its contribution, checked, within the time limit; else its skip or the abort. */
  private async awaitContribution(next: Extract<NextStep, { kind: 'contribution' }>, curve: SetupCurve): Promise<void> {
    const { workspace, signer } = this.options;
    const { plan } = workspace.transcript;
    const sinceMs = Date.now();
    this.due = { member: next.member, lane: next.lane, sinceMs, deadlineMs: sinceMs + plan.contributionTimeLimitMs };
    this.changed();
    try {
      for (;;) {
        const submission = await this.nextSubmission(this.due.deadlineMs);
        if (submission === null) break;
        try {
          await this.acceptSubmission(submission, curve);
          return;
        } catch (error) {
          // Refused, named, and the ceremony goes on from the last verified file: the member
          // may try again while its time lasts.
          const reason = error instanceof Error ? error.message : String(error);
          this.rejections.push({ member: submission.from, reason, timeMs: Date.now() });
          this.changed();
        } finally {
          this.submission = null;
        }
      }
    } finally {
      this.due = null;
    }
    const limit = `no contribution within the time limit (${Math.round(plan.contributionTimeLimitMs / 1000)} s)`;
    if (plan.onMissingContribution === 'skip') {
      await workspace.skip(this.me, signer, limit);
      return;
    }
    this.stage = 'aborted';
    this.abortReason = `${next.member} made ${limit} to ${laneName(next.lane)}, and the plan's policy is to abort`;
    this.changed();
    throw new CeremonyAbortedError(this.abortReason);
  }

  private async acceptSubmission({ from, request }: Submission, curve: SetupCurve): Promise<void> {
    const { workspace } = this.options;
    const { entry, size } = request;
    if (entry.kind !== 'contribution') throw new CeremonyProtocolError('not_your_entry', 'not a contribution');
    const into = join(incomingDirOf(workspace.folder.dir), `${entry.outputSha256}.${entry.lane.phase === 1 ? 'ptau' : 'zkey'}`);
    try {
      await fetchFile({
        transport: this.options.transport,
        from,
        sha256: entry.outputSha256,
        size,
        into,
        incomingDir: incomingDirOf(workspace.folder.dir),
        requestTimeoutMs: this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      });
      const candidate = { ...workspace.transcript, entries: [...workspace.transcript.entries, entry] };
      await this.track({ kind: 'accept', lane: entry.lane, member: from }, (hooks) => workspace.accept(candidate, [into], curve, { logger: this.loggerOf(hooks) }));
    } finally {
      await rm(into, { force: true });
    }
  }

  private nextSubmission(deadlineMs: number): Promise<Submission | null> {
    if (this.submission !== null) return Promise.resolve(this.submission);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(this.submission);
      }, Math.max(0, deadlineMs - Date.now()));
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve(this.submission);
      };
    });
  }

  /**
   * The keys, then the coordinator's attestation. It does not run `verifyCeremony` first: it
   * checked every file as it took it (the imported phase 1 in full, each contribution as the
   * next member would, against the transcript) and made the others itself (each lane's first
   * file, the beacons), so its check would repeat its own; every other member checks the whole
   * ceremony from scratch before attesting, and the final hashes are compared, not trusted.
   */
  private async finishAndAttest(): Promise<void> {
    const { workspace, signer } = this.options;
    this.keys = await this.track({ kind: 'keys' }, () => this.writeKeys());
    const hashes = this.keys.finalHashes;
    this.stage = 'attesting';
    this.changed();
    if (workspace.transcript.attestations.some((attestation) => attestation.member === this.me)) return; // resumed
    await this.attestInTurn(() => workspace.attest(hashes, signAttestation(hashes, this.me, signer)));
    this.changed();
  }

  private attestInTurn(body: () => Promise<void>): Promise<void> {
    const turn = this.attesting.then(body);
    this.attesting = turn.catch(() => undefined);
    return turn;
  }

  /** The keys folder from the final files (written again after a restart: the same bytes). */
  private async writeKeys(): Promise<CeremonyKeys> {
    const { workspace, keys } = this.options;
    await rm(workspace.folder.keys, { recursive: true, force: true });
    const circuits: CeremonyCircuitFiles[] = [];
    for (const circuit of keys.circuits) {
      circuits.push({ ...circuit, r1cs: workspace.folder.r1cs(circuit.name), zkey: await workspace.currentFile({ phase: 2, circuit: circuit.name }) });
    }
    return writeCeremonyKeys({ transcript: workspace.transcript, keysDir: workspace.folder.keys, epoch: keys.epoch, phase1Final: await workspace.phase1Final(this.options.importedPhase1), circuits });
  }

  private async awaitAttestations(): Promise<void> {
    const { workspace } = this.options;
    const { plan } = workspace.transcript;
    const deadlineMs = Date.now() + (this.options.attestationTimeLimitMs ?? plan.contributionTimeLimitMs * plan.members.length);
    const missing = () => plan.members.filter((member) => !workspace.transcript.attestations.some((attestation) => attestation.member === member.id)).map((member) => member.id);
    while (missing().length > 0) {
      if (Date.now() >= deadlineMs) {
        this.stage = 'aborted';
        this.abortReason = `${missing().join(', ')} did not attest the final hashes within the time limit: the keys are not attested and must not be used`;
        this.changed();
        throw new CeremonyAbortedError(this.abortReason);
      }
      await this.nextSubmission(deadlineMs);
    }
  }

  /**
   * After the end (or an abort): until every member that ever took part has collected the keys
   * (or seen the abort), or lingerMs.
   */
  private async linger(): Promise<void> {
    const deadlineMs = Date.now() + (this.options.lingerMs ?? DEFAULT_LINGER_MS);
    while ([...this.polled].some((member) => !this.collected.has(member)) && Date.now() < deadlineMs) await this.nextSubmission(deadlineMs);
  }

  private track<T>(step: PartyStep, body: (hooks: PartyStepHooks) => Promise<T>): Promise<T> {
    return (this.options.track ?? untracked)(step, body);
  }

  private loggerOf(hooks: PartyStepHooks): SetupLogger | undefined {
    return hooks.logger ?? this.options.logger;
  }

  private changed(): void {
    this.options.onStatus?.(this.status());
  }

  private async serve(from: string, payload: Uint8Array): Promise<Uint8Array> {
    let request: CeremonyRequest;
    try {
      request = decodeRequest(payload);
      switch (request.type) {
        case 'status':
          this.polled.add(from);
          if (this.stage === 'aborted') {
            this.collected.add(from);
            this.wake?.();
          }
          return encodeResponse({ type: 'status', status: this.status() });
        case 'chunk': {
          const chunk = (await this.folderFiles.chunk(request.sha256, request.offset)) ?? (await this.keysFiles.chunk(request.sha256, request.offset));
          if (chunk === undefined) throw new CeremonyProtocolError('unknown_file', `the coordinator serves no file with sha256 ${request.sha256.slice(0, 16)}…`);
          return encodeChunk(chunk);
        }
        case 'contribution':
          this.takeSubmission(from, request);
          return encodeResponse({ type: 'ok' });
        case 'attestation':
          await this.takeAttestation(from, request.signature);
          return encodeResponse({ type: 'ok' });
        case 'collected':
          this.collected.add(from);
          this.wake?.();
          return encodeResponse({ type: 'ok' });
      }
    } catch (error) {
      return refusalResponse(error, from, { count: (reason) => this.options.telemetry?.metrics?.refusedRequestsTotal.inc({ reason }), tell: this.options.onRefused });
    }
  }

  private takeSubmission(from: string, request: Extract<CeremonyRequest, { type: 'contribution' }>): void {
    if (this.stage !== 'running') throw new CeremonyProtocolError('not_running', `the ceremony takes no contribution now (${this.stage})`);
    const next = this.options.workspace.next();
    if (this.due === null || this.due.member !== from) {
      throw new CeremonyProtocolError('not_your_turn', `it is not ${from}'s turn: the ceremony waits for ${next === null ? 'nothing' : describeNextStep(next)}`);
    }
    if (request.entry.kind !== 'contribution' || request.entry.signer !== from) throw new CeremonyProtocolError('not_your_entry', `${from} may hand over only a contribution it signed itself`);
    if (this.submission !== null) throw new CeremonyProtocolError('busy', `a contribution of ${from} is being checked`);
    this.submission = { from, request };
    this.wake?.();
  }

  private async takeAttestation(from: string, signature: { readonly member: string; readonly signature: string }): Promise<void> {
    if (this.stage !== 'attesting' || this.keys === null) throw new CeremonyProtocolError('not_running', `the ceremony takes no attestation now (${this.stage})`);
    if (signature.member !== from) throw new CeremonyProtocolError('not_your_entry', `${from} may hand over only its own attestation`);
    try {
      const hashes = this.keys.finalHashes;
      await this.attestInTurn(() => this.options.workspace.attest(hashes, signature));
    } catch (error) {
      if (error instanceof CeremonyError) throw new CeremonyProtocolError('bad_attestation', error.message);
      throw error;
    }
    this.changed();
    this.wake?.();
  }
}
