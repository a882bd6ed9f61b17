import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { checkTranscript, TranscriptFileError, transcriptSummary, verifyAttestations, type FinalHashes, type TranscriptDocument, type TranscriptSummary } from '@consortium/ceremony';
import type { CeremonyLaneItem, CeremonyTranscriptReport } from '../../protocol.js';
import { DASHBOARD_LIMITS } from '../limits.js';

/**
 * The ceremony transcript behind the keys, as the ZKP view's report. The transcript is shown as
 * the keys' only when its sha256 is the one their genesis fragment pins, and only once it checks
 * (checkTranscript of @consortium/ceremony: every member's signature over the plan, every entry
 * in the plan's order); the attestations are checked against the hashes of the keys folder, so
 * "attested by" means these keys, not some others.
 */

/** What a keys folder says about the ceremony that made it. */
export interface KeysFolderPins {
  /** The transcript's sha256 its genesis fragment (genesis-artifacts.json) pins; null when it pins none. */
  readonly transcriptSha256: string | null;
  /** The hashes the members attest, as the keys manifest gives them (the plan's hash aside); null when the manifest lacks one. */
  readonly attestedHashes: Omit<FinalHashes, 'planHash'> | null;
}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The report of the transcript at `file`; null when there is none there and none was asked for
 * (`required`: a path the deployment named, whose absence is reported instead).
 */
export async function readTranscriptReport(file: string, pins: KeysFolderPins, required: boolean): Promise<CeremonyTranscriptReport | null> {
  let bytes: Buffer;
  try {
    const { size } = await stat(file);
    if (size > DASHBOARD_LIMITS.ceremonyTranscriptBytesMax) return { status: 'invalid', sha256: null, problem: `the transcript is ${size} bytes, over the dashboard's bound of ${DASHBOARD_LIMITS.ceremonyTranscriptBytesMax}` };
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return required ? { status: 'invalid', sha256: null, problem: 'the ceremony transcript the targets file names is not there' } : null;
    return { status: 'invalid', sha256: null, problem: `the transcript cannot be read: ${messageOf(error)}` };
  }
  // The hash and the document come from the same bytes: a transcript rewritten between two reads cannot pass for the pinned one.
  const sha256 = sha256Hex(bytes);
  if (sha256 !== pins.transcriptSha256) return { status: 'mismatch', sha256, pinnedSha256: pins.transcriptSha256 };
  let document: TranscriptDocument;
  let planHash: string;
  try {
    document = transcriptDocumentOf(bytes);
    planHash = checkTranscript(document).planHash;
  } catch (error) {
    // The file comes from outside the dashboard: whatever it fails with is its problem, reported in words.
    return { status: 'invalid', sha256, problem: messageOf(error) };
  }
  const summary = transcriptSummary(document);
  return {
    status: 'verified',
    sha256,
    plan: {
      ceremonyId: summary.ceremonyId,
      chainId: summary.chainId,
      members: summary.members,
      coordinator: summary.coordinator,
      phase1: summary.phase1,
      beacon: summary.beacon,
      contributionTimeLimitMs: document.plan.contributionTimeLimitMs,
      onMissingContribution: document.plan.onMissingContribution,
    },
    lanes: lanesOf(summary),
    attestedBy: summary.attestedBy,
    attestationProblem: attestationProblemOf(document, planHash, pins.attestedHashes),
    waitingFor: summary.waitingFor,
  };
}

/** The transcript file's JSON as readTranscriptFile of @consortium/ceremony takes it (which reads by path; the hash needs the same bytes). */
function transcriptDocumentOf(bytes: Buffer): TranscriptDocument {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new TranscriptFileError(`the transcript is not JSON: ${messageOf(error)}`, { cause: error });
  }
  const document = json as Partial<TranscriptDocument> | null;
  if (typeof document !== 'object' || document === null || typeof document.plan !== 'object' || !Array.isArray(document.entries) || !Array.isArray(document.planSignatures)) {
    throw new TranscriptFileError('the file is not a ceremony transcript (no plan, planSignatures and entries)');
  }
  return { ...(document as TranscriptDocument), attestations: Array.isArray(document.attestations) ? document.attestations : [] };
}

function lanesOf(summary: TranscriptSummary): CeremonyLaneItem[] {
  return summary.lanes.map((lane) => ({
    name: lane.name,
    closed: lane.closed,
    steps: lane.steps.map((step) => ({ seq: step.seq, kind: step.kind, member: step.member, timeMs: step.timeMs, inputSha256: step.inputSha256, outputSha256: step.outputSha256, note: step.note })),
  }));
}

/** Null when every member of the plan attested exactly the keys folder's hashes; else the first reason why not. */
function attestationProblemOf(document: TranscriptDocument, planHash: string, attestedHashes: KeysFolderPins['attestedHashes']): string | null {
  if (attestedHashes === null) return 'the keys manifest does not give every hash the members attest (phase 1 file, proving and verification keys), so the attestations cannot be checked';
  try {
    verifyAttestations(document.plan, { planHash, ...attestedHashes }, document.attestations);
    return null;
  } catch (error) {
    return messageOf(error);
  }
}
