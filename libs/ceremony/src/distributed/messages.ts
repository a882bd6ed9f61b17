import { describeValue } from '@consortium/consensus';
import { CEREMONY_REFUSALS } from '@consortium/telemetry';
import type { FinalHashes, MemberSignature } from '../attestation.js';
import { CeremonyError } from '../errors.js';
import type { TranscriptDocument } from '../transcript/document.js';
import type { Lane, TranscriptEntry } from '../transcript/entries.js';
import { statusShapeProblem } from './status-shape.js';

/**
 * The messages of the distributed ceremony (protocol `ceremony`, one request and one response):
 *
 *   participant -> coordinator   status                  where the ceremony stands (polled)
 *   anyone -> anyone             chunk {sha256, offset}  up to CHUNK_BYTES of a file, by its hash
 *   participant -> coordinator   contribution {entry}    "my signed entry; fetch my file" (the
 *                                                        coordinator downloads and checks it)
 *   participant -> coordinator   attestation {signature} the member's signature of the final hashes
 *   participant -> coordinator   collected               "I hold the final transcript and keys"
 *
 * Requests and JSON responses are JSON; a response's first byte says which it is (RESPONSE_TAG),
 * so a file chunk travels as raw bytes. Everything received is checked here, before any use:
 * a malformed message is a CeremonyProtocolError, answered with its reason.
 */

/** A file travels in chunks of this many bytes (the p2p ceremony response limit is 4 MiB). */
export const CHUNK_BYTES = 1024 * 1024;

/** A file of the ceremony folder the coordinator (or a participant) serves, by its hash. */
export interface ServedFile {
  readonly sha256: string;
  readonly size: number;
  /** Its path inside the ceremony folder ("phase2/settlement-4/003-Orange-FR.zkey"): where a copy goes. */
  readonly path: string;
}

export type CeremonyStage = 'running' | 'attesting' | 'complete' | 'aborted';

export interface CeremonyStatus {
  readonly stage: CeremonyStage;
  readonly transcript: TranscriptDocument;
  /** The contribution the coordinator waits for, and until when; null when it is the coordinator's own step or none is due. */
  readonly due: { readonly member: string; readonly lane: Lane; readonly sinceMs: number; readonly deadlineMs: number } | null;
  /** The ceremony folder's files (r1cs, powers of tau, keys of every lane). */
  readonly files: readonly ServedFile[];
  /** Once every lane is closed: the hashes every member attests. */
  readonly finalHashes: FinalHashes | null;
  /** Once every member attested: the keys folder, as nodes load it (paths inside keys/). */
  readonly keysFiles: readonly ServedFile[];
  /** Contributions refused so far, the newest last. */
  readonly rejections: readonly { readonly member: string; readonly reason: string; readonly timeMs: number }[];
  readonly abortReason: string | null;
}

export type CeremonyRequest =
  | { readonly type: 'status' }
  | { readonly type: 'chunk'; readonly sha256: string; readonly offset: number }
  | { readonly type: 'contribution'; readonly entry: TranscriptEntry; readonly size: number }
  | { readonly type: 'attestation'; readonly signature: MemberSignature }
  | { readonly type: 'collected' };

/** Why a request was refused: the requester learns it, the server counts it (the metric's label values). */
export type Refusal = (typeof CEREMONY_REFUSALS)[number];

export type CeremonyResponse = { readonly type: 'status'; readonly status: CeremonyStatus } | { readonly type: 'ok' } | { readonly type: 'refused'; readonly refusal: Refusal; readonly reason: string };

/** A message that is not one of the protocol's, or a refusal received from a peer. */
export class CeremonyProtocolError extends CeremonyError {
  override readonly name = 'CeremonyProtocolError';
  constructor(
    readonly refusal: Refusal,
    detail: string,
  ) {
    super(detail);
  }
}

const RESPONSE_TAG = { json: 0, chunk: 1 } as const;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeRequest(request: CeremonyRequest): Uint8Array {
  return encoder.encode(JSON.stringify(request));
}

export function decodeRequest(bytes: Uint8Array): CeremonyRequest {
  const value = parseJson(bytes);
  const field = (name: string): unknown => (value as Record<string, unknown>)[name];
  switch (field('type')) {
    case 'status':
      return { type: 'status' };
    case 'collected':
      return { type: 'collected' };
    case 'chunk': {
      const sha256 = field('sha256');
      const offset = field('offset');
      if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) throw malformed('a chunk request names a file by its sha256 (64 hex digits)');
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw malformed('a chunk request has a whole, non-negative offset');
      return { type: 'chunk', sha256, offset };
    }
    case 'contribution': {
      const entry = field('entry');
      const size = field('size');
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw malformed('a contribution carries its transcript entry');
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) throw malformed("a contribution gives its file's size in bytes");
      return { type: 'contribution', entry: entry as TranscriptEntry, size };
    }
    case 'attestation': {
      const signature = field('signature') as Record<string, unknown> | null;
      if (typeof signature !== 'object' || signature === null || typeof signature.member !== 'string' || typeof signature.signature !== 'string') {
        throw malformed('an attestation carries {member, signature}');
      }
      return { type: 'attestation', signature: { member: signature.member, signature: signature.signature } };
    }
    default:
      throw malformed(`unknown request type ${describeValue(field('type'))}`);
  }
}

export function encodeResponse(response: CeremonyResponse): Uint8Array {
  return tagged(RESPONSE_TAG.json, encoder.encode(JSON.stringify(response)));
}

export function encodeChunk(bytes: Uint8Array): Uint8Array {
  return tagged(RESPONSE_TAG.chunk, bytes);
}

/** A JSON response; a refusal becomes the CeremonyProtocolError it names. */
export function decodeResponse(bytes: Uint8Array): Exclude<CeremonyResponse, { type: 'refused' }> {
  if (bytes[0] !== RESPONSE_TAG.json) throw malformed('expected a JSON response, got a file chunk');
  const value = parseJson(bytes.subarray(1)) as CeremonyResponse;
  if (value.type === 'refused') {
    // a peer's refusal: its code becomes a metric label, its reason a message
    if (!(CEREMONY_REFUSALS as readonly unknown[]).includes(value.refusal) || typeof value.reason !== 'string') throw malformed('a refusal names one of the protocol\'s refusals and a reason');
    throw new CeremonyProtocolError(value.refusal, value.reason);
  }
  if (value.type === 'ok') return value;
  if (value.type !== 'status') throw malformed(`unknown response type ${describeValue((value as { type?: unknown }).type)}`);
  const problem = statusShapeProblem(value.status);
  if (problem !== null) throw malformed(problem);
  return value;
}

export function decodeChunk(bytes: Uint8Array): Uint8Array {
  if (bytes[0] === RESPONSE_TAG.chunk) return bytes.subarray(1);
  decodeResponse(bytes); // a refusal throws its reason
  throw malformed('expected a file chunk');
}

/**
 * The answer to a request a party refuses, with its reason; the refusal counted (a security
 * event) and told to the party's display. `error` is what the handling threw: a
 * CeremonyProtocolError names its refusal, anything else counts as malformed.
 */
export function refusalResponse(error: unknown, from: string, report: { readonly count?: ((refusal: Refusal) => void) | undefined; readonly tell?: ((from: string, refusal: Refusal, reason: string) => void) | undefined }): Uint8Array {
  const refusal: Refusal = error instanceof CeremonyProtocolError ? error.refusal : 'malformed';
  const reason = error instanceof Error ? error.message : String(error);
  report.count?.(refusal);
  report.tell?.(from, refusal, reason);
  return encodeResponse({ type: 'refused', refusal, reason });
}

function tagged(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = tag;
  out.set(body, 1);
  return out;
}

function parseJson(bytes: Uint8Array): object {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    throw malformed('not a JSON message');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('not a JSON object');
  return value;
}

const malformed = (detail: string) => new CeremonyProtocolError('malformed', detail);
