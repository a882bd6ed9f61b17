import { readFile, rename, writeFile } from 'node:fs/promises';
import { verifyPlanSignatures, type CeremonyPlan, type PlanSignature } from '../plan.js';
import { CeremonyError } from '../errors.js';
import type { MemberSignature } from '../attestation.js';
import type { TranscriptEntry } from './entries.js';
import { replayTranscript, type TranscriptState } from './replay.js';

/**
 * The transcript file (`transcript.json`): the signed plan, the signed entries in order, and at
 * the end the members' attestations of the final hashes. It travels with the files: passed by
 * hand from member to member in the file-based (air-gapped) mode, synchronised over libp2p in
 * the distributed one. Everything in it is checked on reading: a file that does not replay is
 * refused with its first problem.
 */

export const TRANSCRIPT_FORMAT = 'consortium-ceremony-transcript/1';
export const TRANSCRIPT_FILE = 'transcript.json';

export interface TranscriptDocument {
  readonly format: typeof TRANSCRIPT_FORMAT;
  readonly plan: CeremonyPlan;
  /** Every member's signature over the plan, given before anything started. */
  readonly planSignatures: readonly PlanSignature[];
  readonly entries: readonly TranscriptEntry[];
  /** Each member's signature over the final hashes (attestation.ts), once the last lane is closed. */
  readonly attestations: readonly MemberSignature[];
}

/** Thrown for a transcript file that cannot be read as one (not JSON, another format). */
export class TranscriptFileError extends CeremonyError {
  override readonly name = 'TranscriptFileError';
}

/** A new transcript: the plan with every member's signature (checked), no entry yet. */
export function newTranscript(plan: CeremonyPlan, planSignatures: readonly PlanSignature[]): TranscriptDocument {
  verifyPlanSignatures(plan, planSignatures);
  return { format: TRANSCRIPT_FORMAT, plan, planSignatures: [...planSignatures], entries: [], attestations: [] };
}

/** The document's plan signatures and entries, checked; returns where the ceremony stands. Throws the first problem. */
export function checkTranscript(document: TranscriptDocument): TranscriptState {
  const format: unknown = document.format;
  if (format !== TRANSCRIPT_FORMAT) throw new TranscriptFileError(`the transcript's format is ${JSON.stringify(format)}, expected ${TRANSCRIPT_FORMAT}`);
  verifyPlanSignatures(document.plan, document.planSignatures);
  return replayTranscript(document.plan, document.entries);
}

/** The document with `entry` added; refused (nothing changes) when the entry does not replay after the others. */
export function appendEntry(document: TranscriptDocument, entry: TranscriptEntry): TranscriptDocument {
  const next = { ...document, entries: [...document.entries, entry] };
  replayTranscript(next.plan, next.entries);
  return next;
}

export async function readTranscriptFile(path: string): Promise<TranscriptDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new TranscriptFileError(`no transcript at ${path}`);
    throw error;
  }
  let document: TranscriptDocument;
  try {
    document = JSON.parse(text) as TranscriptDocument;
  } catch (error) {
    throw new TranscriptFileError(`${path} is not JSON: ${(error as Error).message}`);
  }
  if (typeof document !== 'object' || document === null || !Array.isArray(document.entries) || !Array.isArray(document.planSignatures)) {
    throw new TranscriptFileError(`${path} is not a ceremony transcript (no plan, planSignatures and entries)`);
  }
  return { ...document, attestations: Array.isArray(document.attestations) ? document.attestations : [] };
}

/** Written whole to a temporary file, then renamed: a crash leaves the old transcript or the new one, never half of one. */
export async function writeTranscriptFile(path: string, document: TranscriptDocument): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(document, null, 2)}\n`);
  await rename(temporary, path);
}
