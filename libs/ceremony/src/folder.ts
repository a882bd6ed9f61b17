import { join } from 'node:path';
import type { VerificationKey } from '@consortium/zkp';
import { plainName } from './names.js';
import { TRANSCRIPT_FILE } from './transcript/document.js';

/**
 * Where a ceremony folder keeps its files. Only the transcript's name is fixed: `ceremony
 * verify` finds every other file by the sha256 the transcript names, whatever a member called
 * it; these names are what this library writes, for people reading the folder.
 *
 *   transcript.json                         plan, signatures, entries, attestations
 *   circuits/<circuit>.r1cs                 the circuits phase 2 runs for (the plan pins their sha256)
 *   phase1/<seq>-<who>.ptau                 phase 1's chain: the new accumulator, each contribution, the beacon
 *   phase1/prepared.ptau                    phase 1's final file prepared for the circuits' domains (re-made by verify)
 *   phase2/<circuit>/<seq>-<who>.zkey       each circuit's chain: newZKey, each contribution, the beacon
 *   keys/                                   the final keys as nodes load them (keys-manifest.json, genesis-artifacts.json)
 */
export function ceremonyFolder(dir: string) {
  const seqName = (seq: number, who: string) => `${String(seq).padStart(3, '0')}-${who.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  return {
    dir,
    transcript: join(dir, TRANSCRIPT_FILE),
    // Circuit names come from the plan (validatePlan checks them); checked again where they become paths.
    r1cs: (circuit: string) => join(dir, 'circuits', `${plainName('circuit name', circuit)}.r1cs`),
    phase1File: (seq: number, who: string) => join(dir, 'phase1', `${seqName(seq, who)}.ptau`),
    preparedPtau: join(dir, 'phase1', 'prepared.ptau'),
    phase2File: (circuit: string, seq: number, who: string) => join(dir, 'phase2', plainName('circuit name', circuit), `${seqName(seq, who)}.zkey`),
    keys: join(dir, 'keys'),
  };
}

export type CeremonyFolder = ReturnType<typeof ceremonyFolder>;

/** A verification key as its file holds it (the attestation and genesis pin these bytes' sha256). */
export function verificationKeyFileText(vkey: VerificationKey): string {
  return `${JSON.stringify(vkey, null, 2)}\n`;
}
