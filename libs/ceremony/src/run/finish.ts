import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleKeysFolder, assertContributedKey, exportVerificationKey, genesisArtifactPins, type KeysManifest, type TrustedSetupPin } from '@consortium/zkp';
import { fromHex, Ed25519Verifier } from '@consortium/consensus';
import { attestationSignBytes, signAttestation, type CeremonySigner, type FinalHashes, type MemberSignature } from '../attestation.js';
import { AttestationError, CeremonyFileError, NotYourTurnError } from '../errors.js';
import { verificationKeyFileText } from '../folder.js';
import { sha256OfFile } from '../files/hashing.js';
import { checkTranscript, type TranscriptDocument } from '../transcript/document.js';

/**
 * After the last beacon: the keys nodes load (a keys folder, `multi-party`), the final hashes
 * every member attests, and, once all have, the genesis fragment that pins the keys and the
 * transcript.
 */

export interface CeremonyCircuitFiles {
  readonly name: string;
  readonly constraints: number;
  readonly r1cs: string;
  /** The witness calculator the nodes run (from the circuit's build; genesis pins it). */
  readonly wasm: string;
  /** The lane's final proving key. */
  readonly zkey: string;
}

export interface CeremonyKeys {
  readonly manifest: KeysManifest;
  readonly finalHashes: FinalHashes;
}

/** Writes the keys folder at `keysDir` from the ceremony's final files (checked against the transcript) and returns the hashes to attest. */
export async function writeCeremonyKeys(options: {
  readonly transcript: TranscriptDocument;
  readonly keysDir: string;
  readonly epoch: number;
  readonly phase1Final: string;
  readonly circuits: readonly CeremonyCircuitFiles[];
}): Promise<CeremonyKeys> {
  const { transcript } = options;
  const state = checkTranscript(transcript);
  if (state.next !== null) throw new NotYourTurnError('the keys are written once every lane is closed by its beacon');
  const phase1Sha256 = await sha256OfFile(options.phase1Final);
  const phase1 = state.lanes.find((lane) => lane.lane.phase === 1);
  const expectedPhase1 = phase1?.lastSha256 ?? (transcript.plan.phase1.source === 'import' ? transcript.plan.phase1.sha256 : null);
  if (phase1Sha256 !== expectedPhase1) throw new CeremonyFileError(options.phase1Final, "it is not phase 1's final file");
  const work = await mkdtemp(join(tmpdir(), 'ceremony-keys-'));
  try {
    const circuits: Record<string, { zkeySha256: string; vkeySha256: string }> = {};
    const files = [];
    for (const circuit of options.circuits) {
      const lane = state.lanes.find((candidate) => candidate.lane.phase === 2 && candidate.lane.circuit === circuit.name);
      if (lane === undefined) throw new CeremonyFileError(circuit.zkey, `the plan has no circuit ${circuit.name}`);
      const zkeySha256 = await sha256OfFile(circuit.zkey);
      if (zkeySha256 !== lane.lastSha256) throw new CeremonyFileError(circuit.zkey, `it is not the final proving key of ${circuit.name}`);
      const vkey = assertContributedKey(await exportVerificationKey(circuit.zkey), `the verification key of ${circuit.name}`);
      const vkeyText = verificationKeyFileText(vkey);
      const vkeyPath = join(work, `${circuit.name}.vkey.json`);
      await writeFile(vkeyPath, vkeyText);
      circuits[circuit.name] = { zkeySha256, vkeySha256: createHash('sha256').update(vkeyText).digest('hex') };
      files.push({ name: circuit.name, constraints: circuit.constraints, r1cs: circuit.r1cs, wasm: circuit.wasm, zkey: circuit.zkey, vkey: vkeyPath });
    }
    const manifest = await assembleKeysFolder(options.keysDir, {
      epoch: options.epoch,
      insecure: false,
      ceremony: 'multi-party',
      ptau: { power: transcript.plan.phase1.power, path: options.phase1Final },
      circuits: files,
    });
    return { manifest, finalHashes: { planHash: state.planHash, phase1Sha256, circuits } };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `member`'s attestation added to the transcript (signed over `hashes`); a member attests once. */
export function attest(transcript: TranscriptDocument, hashes: FinalHashes, member: string, signer: CeremonySigner): TranscriptDocument {
  return addAttestation(transcript, hashes, signAttestation(hashes, member, signer));
}

/**
 * An attestation signed elsewhere (a member's machine, over the network) added to the
 * transcript, once checked: every lane closed, the hashes of this plan, a member who has not
 * attested yet, and a signature by that member's identity key of the plan.
 */
export function addAttestation(transcript: TranscriptDocument, hashes: FinalHashes, attestation: MemberSignature): TranscriptDocument {
  const state = checkTranscript(transcript);
  const { member } = attestation;
  if (state.next !== null) throw new NotYourTurnError('a member attests once every lane is closed');
  if (hashes.planHash !== state.planHash) throw new AttestationError('these final hashes belong to another plan');
  const planMember = transcript.plan.members.find((candidate) => candidate.id === member);
  if (planMember === undefined) throw new AttestationError(`${member} is not a member of the plan`);
  if (transcript.attestations.some((signature) => signature.member === member)) throw new AttestationError(`${member} has attested already`);
  const signature = /^[0-9a-f]{128}$/.test(attestation.signature) ? fromHex(attestation.signature, 64) : null;
  if (signature === null || signature === undefined || !new Ed25519Verifier().verify(fromHex(planMember.publicKey, 32)!, attestationSignBytes(hashes), signature)) {
    throw new AttestationError(`the key that signed is not ${member}'s identity key of the plan, or it signed other hashes`);
  }
  return { ...transcript, attestations: [...transcript.attestations, { member, signature: attestation.signature }] };
}

/** genesis-artifacts.json for the ceremony's keys: the artifact pins and the multi-party setup with its transcript's sha256. */
export async function writeGenesisFragment(keysDir: string, manifest: KeysManifest, transcriptSha256: string): Promise<{ artifacts: Record<string, string>; trustedSetup: TrustedSetupPin }> {
  const fragment = { artifacts: genesisArtifactPins(manifest), trustedSetup: { kind: 'ceremony' as const, transcriptSha256 } };
  await writeFile(join(keysDir, 'genesis-artifacts.json'), `${JSON.stringify(fragment, null, 2)}\n`);
  return fragment;
}
