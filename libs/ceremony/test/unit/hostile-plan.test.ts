import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ed25519Signer, ed25519KeyPairFromSeed, toHex } from '@consortium/consensus';
import { describe, expect, it } from 'vitest';
import {
  AttestationError,
  checkTranscript,
  InvalidPlanError,
  PLAN_FORMAT,
  planHash,
  PlanSignatureError,
  readTranscriptFile,
  signAttestation,
  signPlan,
  TRANSCRIPT_FORMAT,
  validatePlan,
  verifyAttestations,
  verifyPlanSignatures,
  type CeremonyPlan,
  type MemberSignature,
} from '../../src/index.js';

/**
 * Regressions found by `npm run fuzz` (tools/src/fuzz): plans, plan signatures and attestations
 * from a transcript file that are not shaped as the types say made the checks throw TypeErrors
 * (reading a field of undefined, String() of an object). Each is now the ceremony's own error,
 * naming the field.
 */

const signer = new Ed25519Signer(ed25519KeyPairFromSeed(new Uint8Array(32).fill(3)));
const plan: CeremonyPlan = {
  format: PLAN_FORMAT,
  ceremonyId: 'sp-consortium/epoch-2',
  chainId: 'test',
  members: [{ id: 'Orange-FR', publicKey: toHex(signer.publicKey) }],
  coordinator: 'Orange-FR',
  phase1: { source: 'ceremony', power: 10 },
  circuits: [{ name: 'settlement-4', r1csSha256: 'ab'.repeat(32) }],
  contributionTimeLimitMs: 600_000,
  onMissingContribution: 'skip',
  beacon: { source: 'the hash of Bitcoin block 930,000', iterationsExp: 10 },
  createdAt: '2026-11-29T20:00:00.000Z',
};
const hostile = (changes: Record<string, unknown>) => ({ ...plan, ...changes });

describe('a hostile plan, plan signature or attestation is refused with its error (fuzz regressions)', () => {
  it.each([
    ['no beacon', { beacon: undefined }, 'ceremony plan: beacon must be an object'],
    ['members not a list', { members: 'Orange-FR' }, 'ceremony plan: members must be a list'],
    ['a member that is not an object', { members: [null] }, 'ceremony plan: members[0] must be an object'],
    ['a power that is an object', { phase1: { source: 'ceremony', power: { toString: 1 } } }, 'ceremony plan: phase1.power must be a number'],
    ['an unknown phase-1 source', { phase1: { source: 'elsewhere', power: 10 } }, 'ceremony plan: phase1 must be'],
    ['a circuit without its name', { circuits: [{ r1csSha256: 'ab'.repeat(32) }] }, 'ceremony plan: circuits[0].name must be a string'],
  ])('%s: InvalidPlanError (it was a TypeError)', (_what, changes, message) => {
    expect(() => validatePlan(hostile(changes))).toThrow(InvalidPlanError);
    expect(() => validatePlan(hostile(changes))).toThrow(message);
  });

  it('a plan signature that is not { member, signature }: PlanSignatureError', () => {
    const signatures = [signPlan(plan, 'Orange-FR', signer), null] as unknown as MemberSignature[];
    expect(() => verifyPlanSignatures(plan, signatures)).toThrow(PlanSignatureError);
    expect(() => verifyPlanSignatures(plan, signatures)).toThrow('planSignatures[1] must be an object');
  });

  it('an attestation that is not { member, signature }: AttestationError', () => {
    const hashes = { planHash: planHash(plan), phase1Sha256: 'cd'.repeat(32), circuits: {} };
    const signatures = [signAttestation(hashes, 'Orange-FR', signer), { member: 7 }] as unknown as MemberSignature[];
    expect(() => verifyAttestations(plan, hashes, signatures)).toThrow(AttestationError);
    expect(() => verifyAttestations(plan, hashes, signatures)).toThrow('attestations[1].member must be a string');
  });

  it('a transcript file whose plan is null: InvalidPlanError from checkTranscript', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hostile-transcript-'));
    try {
      const file = join(dir, 'transcript.json');
      await writeFile(file, JSON.stringify({ format: TRANSCRIPT_FORMAT, plan: null, planSignatures: [], entries: [] }));
      const document = await readTranscriptFile(file);
      expect(() => checkTranscript(document)).toThrow(InvalidPlanError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
