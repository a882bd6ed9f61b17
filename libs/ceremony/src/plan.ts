import { encodeCanonical, fromHex, sha256, toHex, Ed25519Verifier } from '@consortium/consensus';
import type { CeremonySigner } from './attestation.js';
import { InvalidPlanError, PlanSignatureError } from './errors.js';
import { plainName } from './names.js';
import { planShapeProblem, signaturesShapeProblem } from './plan-shape.js';

/**
 * The ceremony plan: everything fixed before the first contribution, signed by every member
 * before anything starts. The members' order is the contribution order (genesis order); their
 * public keys are the ed25519 identity keys of genesis, which sign the transcript too. The
 * beacon's source is named here, in advance, so no one can choose its value after seeing the
 * contributions. Every transcript entry carries the plan's hash: an entry of another ceremony
 * (or of another version of this plan) is refused.
 */

export const PLAN_FORMAT = 'consortium-ceremony-plan/1';
const PLAN_DOMAIN = 'consortium/ceremony-plan/1';

/** Phase 1 by the members, or a public powers-of-tau file verified in full before use. */
export type Phase1Source = { readonly source: 'ceremony'; readonly power: number } | { readonly source: 'import'; readonly power: number; readonly file: string; readonly sha256: string };

export interface PlanMember {
  readonly id: string;
  /** The member's ed25519 identity key (genesis), 32 bytes as hex. */
  readonly publicKey: string;
}

export interface PlanCircuit {
  readonly name: string;
  /** The compiled circuit every member builds phase 2 on. */
  readonly r1csSha256: string;
}

export interface CeremonyPlan {
  readonly format: typeof PLAN_FORMAT;
  /** Unique per ceremony, e.g. `sp-consortium/epoch-2`: also names the key epoch it yields. */
  readonly ceremonyId: string;
  readonly chainId: string;
  /** In contribution order. */
  readonly members: readonly PlanMember[];
  /** The member who drives the order and the time limits, opens and closes each phase. */
  readonly coordinator: string;
  readonly phase1: Phase1Source;
  /** Phase 2 runs for each, in this order. */
  readonly circuits: readonly PlanCircuit[];
  readonly contributionTimeLimitMs: number;
  /** A member past its time limit: skipped (the next member goes on from the last verified file) or the ceremony aborts. */
  readonly onMissingContribution: 'skip' | 'abort';
  /** The public source of the closing random beacon, fixed now (e.g. "the hash of Bitcoin block 930,000"). */
  readonly beacon: { readonly source: string; readonly iterationsExp: number };
  readonly createdAt: string;
}

export interface PlanSignature {
  readonly member: string;
  /** ed25519 over planSignBytes(plan), 64 bytes as hex. */
  readonly signature: string;
}

const HEX_32 = /^[0-9a-f]{64}$/;
/** snarkjs works with powers up to 28 (bn128's two-adicity). */
const MAX_POWER = 28;
const MAX_MEMBERS = 64;

/** Refuses a plan no ceremony can follow; names the first problem (UnsafeNameError for a member id or circuit name that is not a plain name). */
export function validatePlan(plan: CeremonyPlan): void {
  const shape = planShapeProblem(plan);
  if (shape !== null) throw new InvalidPlanError(`ceremony plan: ${shape}`);
  const problem = (text: string) => new InvalidPlanError(`ceremony plan ${JSON.stringify(plan.ceremonyId)}: ${text}`);
  const format: unknown = plan.format; // from a file: checked, not assumed
  if (format !== PLAN_FORMAT) throw problem(`format is ${JSON.stringify(format)}, expected ${PLAN_FORMAT}`);
  if (typeof plan.ceremonyId !== 'string' || plan.ceremonyId.trim() === '') throw problem('ceremonyId is empty');
  if (plan.members.length < 1 || plan.members.length > MAX_MEMBERS) throw problem(`${plan.members.length} members: from 1 to ${MAX_MEMBERS}`);
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const member of plan.members) {
    plainName('member id', member.id);
    if (ids.has(member.id)) throw problem(`member ${member.id} is listed twice`);
    if (!HEX_32.test(member.publicKey)) throw problem(`member ${member.id}: publicKey must be 32 bytes as lowercase hex`);
    if (keys.has(member.publicKey)) throw problem(`member ${member.id} shares its public key with another member`);
    ids.add(member.id);
    keys.add(member.publicKey);
  }
  if (!ids.has(plan.coordinator)) throw problem(`the coordinator ${plan.coordinator} is not a member`);
  const { power } = plan.phase1;
  if (!Number.isInteger(power) || power < 1 || power > MAX_POWER) throw problem(`phase 1 power ${power}: from 1 to ${MAX_POWER}`);
  if (plan.phase1.source === 'import' && !HEX_32.test(plan.phase1.sha256)) throw problem('the imported phase-1 file needs its sha256 (32 bytes as hex)');
  if (plan.circuits.length === 0) throw problem('no circuit');
  const names = new Set<string>();
  for (const circuit of plan.circuits) {
    plainName('circuit name', circuit.name);
    if (names.has(circuit.name)) throw problem(`circuit ${circuit.name} is listed twice`);
    if (!HEX_32.test(circuit.r1csSha256)) throw problem(`circuit ${circuit.name}: r1csSha256 must be 32 bytes as hex`);
    names.add(circuit.name);
  }
  if (!Number.isInteger(plan.contributionTimeLimitMs) || plan.contributionTimeLimitMs <= 0) throw problem('contributionTimeLimitMs must be a positive whole number');
  if (plan.onMissingContribution !== 'skip' && plan.onMissingContribution !== 'abort') throw problem('onMissingContribution must be "skip" or "abort"');
  if (plan.beacon.source.trim() === '') throw problem('the beacon source must be named in advance');
  if (!Number.isInteger(plan.beacon.iterationsExp) || plan.beacon.iterationsExp < 10 || plan.beacon.iterationsExp > 63) throw problem('beacon iterationsExp: from 10 to 63 (snarkjs refuses fewer than 2^10 iterations)');
}

/** The bytes each member signs: the plan in the canonical encoding, under a domain tag of its own. */
export function planSignBytes(plan: CeremonyPlan): Uint8Array {
  return encodeCanonical([PLAN_DOMAIN, plan]);
}

/** The plan's identity, carried by every transcript entry (hex sha256 of planSignBytes). */
export function planHash(plan: CeremonyPlan): string {
  return toHex(sha256(planSignBytes(plan)));
}

export function signPlan(plan: CeremonyPlan, member: string, signer: CeremonySigner): PlanSignature {
  return { member, signature: toHex(signer.sign(planSignBytes(plan))) };
}

/** Every member signed this plan, with the key the plan names; throws naming the first member who did not. */
export function verifyPlanSignatures(plan: CeremonyPlan, signatures: readonly PlanSignature[]): void {
  validatePlan(plan);
  const shape = signaturesShapeProblem(signatures, 'planSignatures');
  if (shape !== null) throw new PlanSignatureError(shape);
  const bytes = planSignBytes(plan);
  const verifier = new Ed25519Verifier();
  const known = new Set(plan.members.map((member) => member.id));
  for (const signature of signatures) {
    if (!known.has(signature.member)) throw new PlanSignatureError(`a signature by ${signature.member}, who is not a member of the plan`);
  }
  for (const member of plan.members) {
    const signed = signatures.filter((signature) => signature.member === member.id);
    if (signed.length === 0) throw new PlanSignatureError(`${member.id} has not signed the plan: no contribution may start before every member has`);
    for (const { signature } of signed) {
      if (!/^[0-9a-f]{128}$/.test(signature) || !verifier.verify(fromHex(member.publicKey, 32)!, bytes, fromHex(signature, 64)!)) {
        throw new PlanSignatureError(`${member.id}'s signature over the plan does not verify with its public key: signed another plan, or not by ${member.id}`);
      }
    }
  }
}
