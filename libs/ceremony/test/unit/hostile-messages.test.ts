import { describe, expect, it } from 'vitest';
import { CeremonyProtocolError, decodeResponse, encodeResponse, type CeremonyResponse } from '../../src/index.js';

/**
 * Regressions found by `npm run fuzz` (tools/src/fuzz): a coordinator's status that a participant
 * would read as a transcript with lists was taken whatever its shape (`transcript: null` passed:
 * typeof null is 'object'), so the participant's loop failed on a TypeError; a refusal with a code
 * outside the protocol's became a metric label. Both are malformed responses now.
 */

const response = (value: unknown) => encodeResponse(value as CeremonyResponse);
const refusalOf = (bytes: Uint8Array): string => {
  try {
    decodeResponse(bytes);
  } catch (error) {
    if (error instanceof CeremonyProtocolError) return error.refusal;
    throw error;
  }
  throw new Error('the response was taken');
};

const STATUS = {
  stage: 'running',
  transcript: { format: 'consortium-ceremony-transcript/1', plan: {}, planSignatures: [], entries: [], attestations: [] },
  due: null,
  files: [{ sha256: 'ab'.repeat(32), size: 3, path: 'phase1/000-open.ptau' }],
  finalHashes: null,
  keysFiles: [],
  rejections: [],
  abortReason: null,
};

describe('decodeResponse refuses a status of the wrong shape (fuzz regressions)', () => {
  it('takes a well-formed status', () => {
    expect(decodeResponse(response({ type: 'status', status: STATUS }))).toEqual({ type: 'status', status: STATUS });
  });

  it.each([
    ['a null transcript', { transcript: null }],
    ['a transcript without entries', { transcript: { ...STATUS.transcript, entries: undefined } }],
    ['an unknown stage', { stage: 'paused' }],
    ['files that are not a list', { files: {} }],
    ['a file without its hash', { files: [{ size: 3, path: 'x' }] }],
    ['a due member that is a number', { due: { member: 7, lane: { phase: 1 }, sinceMs: 0, deadlineMs: 1 } }],
    ['rejections that are not a list', { rejections: null }],
  ])('%s: malformed', (_what, change) => {
    expect(refusalOf(response({ type: 'status', status: { ...STATUS, ...change } }))).toBe('malformed');
  });

  it('a refusal with a code outside the protocol is malformed; a known one is the refusal', () => {
    expect(refusalOf(response({ type: 'refused', refusal: 'rm -rf', reason: 'x' }))).toBe('malformed');
    expect(refusalOf(response({ type: 'refused', refusal: 'busy', reason: 'a contribution is being checked' }))).toBe('busy');
  });
});
