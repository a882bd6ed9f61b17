import { encodeCanonical, toHex } from '@consortium/consensus';
import type { CeremonySigner } from '../attestation.js';

/**
 * The transcript: one signed entry per step, in order. A lane is one chain of files: phase 1
 * (powers of tau), or phase 2 of one circuit. Each lane is opened by the coordinator (the file
 * it starts from), takes one contribution per member in the plan's order (or that member's
 * skip, decided by the coordinator when the policy allows it), and is closed by the coordinator
 * with the random beacon. Files are named by their sha256; `contributionHash` is the hash
 * snarkjs reports for a contribution, which `ceremony verify` compares, in order, with what
 * snarkjs finds in the final file: snarkjs alone does not notice a dropped contributor.
 */

export type Lane = { readonly phase: 1 } | { readonly phase: 2; readonly circuit: string };

interface EntryBase {
  /** Position in the transcript, from 0: a replayed or dropped entry shows. */
  readonly seq: number;
  /** planHash() of the plan this entry belongs to. */
  readonly planHash: string;
  readonly lane: Lane;
  readonly timeMs: number;
  /** Who signed it: the contributor, or the coordinator for open, skip and beacon. */
  readonly signer: string;
}

/** The coordinator starts a lane from a file anyone can re-make (a new accumulator; newZKey of the circuit). */
export interface OpenEntry extends EntryBase {
  readonly kind: 'open';
  readonly outputSha256: string;
}

export interface ContributionEntry extends EntryBase {
  readonly kind: 'contribution';
  /** The file it built on: the lane's last verified file. */
  readonly inputSha256: string;
  readonly outputSha256: string;
  /** snarkjs's hash of this contribution (64 bytes as hex). */
  readonly contributionHash: string;
}

/** A member that did not contribute in time, passed over (policy `skip`); the lane goes on from the same file. */
export interface SkipEntry extends EntryBase {
  readonly kind: 'skip';
  readonly member: string;
  readonly reason: string;
}

/** The random beacon from the plan's source closes the lane; its output is the lane's final file. */
export interface BeaconEntry extends EntryBase {
  readonly kind: 'beacon';
  readonly inputSha256: string;
  readonly outputSha256: string;
  /** The beacon value taken from the plan's source, as hex. */
  readonly beacon: string;
  readonly contributionHash: string;
}

export type UnsignedEntry = OpenEntry | ContributionEntry | SkipEntry | BeaconEntry;
export type TranscriptEntry = UnsignedEntry & { readonly signature: string };

const ENTRY_DOMAIN = 'consortium/ceremony-entry/1';

/** The bytes the signer signs: the entry without its signature, canonical, under a domain tag. */
export function entrySignBytes(entry: UnsignedEntry): Uint8Array {
  const { signature: _ignored, ...unsigned } = entry as TranscriptEntry;
  return encodeCanonical([ENTRY_DOMAIN, unsigned]);
}

export function signEntry(entry: UnsignedEntry, signer: CeremonySigner): TranscriptEntry {
  return { ...entry, signature: toHex(signer.sign(entrySignBytes(entry))) };
}

export function laneName(lane: Lane): string {
  return lane.phase === 1 ? 'phase 1 (powers of tau)' : `phase 2 of ${lane.circuit}`;
}

export function sameLane(a: Lane, b: Lane): boolean {
  return a.phase === b.phase && (a.phase === 1 || a.circuit === (b as { circuit: string }).circuit);
}
