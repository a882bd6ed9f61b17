import { join } from 'node:path';
import { Ed25519Signer, ed25519KeyPairFromSeed, toHex } from '@consortium/consensus';
import { describe, expect, it } from 'vitest';
import { ceremonyFolder, checkTranscript, newTranscript, PLAN_FORMAT, signPlan, TRANSCRIPT_FORMAT, UnsafeNameError, validatePlan, type CeremonyPlan } from '../../src/index.js';

/**
 * Circuit names and member ids become parts of paths in the ceremony folder
 * (`circuits/<circuit>.r1cs`, `phase2/<circuit>/...`, `plan-signatures/<member>.json`). They come
 * from a plan, hence from a transcript a coordinator sends, or from a command line: a name that
 * is not plain is refused with UnsafeNameError when the plan is read, and again where a path is made.
 */

const signer = new Ed25519Signer(ed25519KeyPairFromSeed(new Uint8Array(32).fill(5)));
const plan: CeremonyPlan = {
  format: PLAN_FORMAT,
  ceremonyId: 'sp-consortium/keys-2',
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

const TRICKS = ['..', '../../../etc/cron.d/x', 'a/b', '/tmp/x', 'a\\..\\b', '.hidden', '-rf', 'tiny\0.r1cs', 'tiny ', '', 'x'.repeat(65)];

describe('names that become paths in the ceremony folder', () => {
  it.each(TRICKS)('refuses the circuit name %j in a plan: UnsafeNameError naming it', (name) => {
    const hostile = { ...plan, circuits: [{ name, r1csSha256: 'ab'.repeat(32) }] };
    expect(() => validatePlan(hostile)).toThrow(UnsafeNameError);
    expect(() => validatePlan(hostile)).toThrow(`circuit name ${JSON.stringify(name)} is not a plain name`);
  });

  it.each(TRICKS)('refuses the member id %j in a plan', (id) => {
    const hostile = { ...plan, members: [{ id, publicKey: toHex(signer.publicKey) }], coordinator: id };
    expect(() => validatePlan(hostile)).toThrow(new UnsafeNameError('member id', id));
  });

  it('refuses a transcript whose plan every member signed with such a name (what a coordinator sends)', () => {
    const hostile = { ...plan, circuits: [{ name: '../../outside', r1csSha256: 'ab'.repeat(32) }] };
    const document = { format: TRANSCRIPT_FORMAT, plan: hostile, planSignatures: [signPlan(hostile, 'Orange-FR', signer)], entries: [], attestations: [] } as const;
    expect(() => checkTranscript(document)).toThrow(UnsafeNameError);
    expect(() => newTranscript(hostile, document.planSignatures)).toThrow(UnsafeNameError);
  });

  it('refuses to make a path of a name that is not plain, and makes one of a plain name', () => {
    const folder = ceremonyFolder('/ceremony');
    expect(() => folder.r1cs('../../etc/passwd')).toThrow(UnsafeNameError);
    expect(() => folder.phase2File('../x', 1, 'Orange-FR')).toThrow(UnsafeNameError);
    expect(folder.r1cs('settlement-4')).toBe(join('/ceremony', 'circuits', 'settlement-4.r1cs'));
    // Member ids in file names are made safe by replacement (a file's name, not its folder).
    expect(folder.phase2File('settlement-4', 3, '../Orange-FR')).toBe(join('/ceremony', 'phase2', 'settlement-4', '003-.._Orange-FR.zkey'));
  });

  it('takes the names the consortium uses', () => {
    expect(() => validatePlan({ ...plan, members: [{ id: 'T-Mobile-DE', publicKey: toHex(signer.publicKey) }], coordinator: 'T-Mobile-DE', circuits: [{ name: 'settlement_1433', r1csSha256: 'ab'.repeat(32) }, { name: 'tiny', r1csSha256: 'cd'.repeat(32) }] })).not.toThrow();
  });
});
