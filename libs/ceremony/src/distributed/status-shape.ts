/**
 * The shape of a status a coordinator sends: what a participant reads of it (the stage, the
 * transcript's entries and attestations, whose turn, the files by hash, the final hashes, the
 * refusals) has the type it is read as. The transcript's content is checked afterwards, by replay
 * against the member's own copy; this only keeps a hostile or broken coordinator from turning
 * the participant's reading into a TypeError.
 */

const STAGES: readonly string[] = ['running', 'attesting', 'complete', 'aborted'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function filesProblem(files: unknown, what: string): string | null {
  if (!Array.isArray(files)) return `${what} must be a list`;
  const bad = files.findIndex((file) => !isObject(file) || typeof file.sha256 !== 'string' || typeof file.size !== 'number' || typeof file.path !== 'string');
  return bad < 0 ? null : `${what}[${bad}] must be { sha256, size, path }`;
}

/** The first field of a status of the wrong type, or null. */
export function statusShapeProblem(status: unknown): string | null {
  if (!isObject(status)) return 'the status must be an object';
  if (typeof status.stage !== 'string' || !STAGES.includes(status.stage)) return `status.stage must be one of ${STAGES.join(', ')}`;
  const transcript = status.transcript;
  if (!isObject(transcript) || !Array.isArray(transcript.entries) || !Array.isArray(transcript.planSignatures) || !Array.isArray(transcript.attestations)) {
    return 'status.transcript must hold its plan, planSignatures, entries and attestations';
  }
  const due = status.due;
  if (due !== null && (!isObject(due) || typeof due.member !== 'string' || !isObject(due.lane) || typeof due.sinceMs !== 'number' || typeof due.deadlineMs !== 'number')) {
    return 'status.due must be null or { member, lane, sinceMs, deadlineMs }';
  }
  const files = filesProblem(status.files, 'status.files') ?? filesProblem(status.keysFiles, 'status.keysFiles');
  if (files !== null) return files;
  if (status.finalHashes !== null && !isObject(status.finalHashes)) return 'status.finalHashes must be null or the final hashes';
  if (!Array.isArray(status.rejections) || !status.rejections.every((r) => isObject(r) && typeof r.member === 'string' && typeof r.reason === 'string')) return 'status.rejections must be a list of { member, reason, timeMs }';
  if (status.abortReason !== null && typeof status.abortReason !== 'string') return 'status.abortReason must be null or a string';
  return null;
}
