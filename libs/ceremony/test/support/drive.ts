import { readFile } from 'node:fs/promises';
import type { SetupCurve } from '@consortium/zkp';
import { attest, type CeremonyWorkspace, writeCeremonyKeys, writeGenesisFragment, writeTranscriptFile, sha256OfFile, type CeremonyKeys } from '../../src/index.js';
import { BEACON, TINY_CONSTRAINTS, TINY_R1CS, TINY_WASM, type TestMembers } from './tiny-ceremony.js';

/**
 * Takes the ceremony's steps in turn until `until` says stop (or every lane is closed): the
 * coordinator opens and closes lanes, each member contributes when its turn comes. What the
 * file-based CLI and the distributed mode do across machines, here in one process.
 */
export async function driveCeremony(
  workspace: CeremonyWorkspace,
  members: TestMembers,
  curve: SetupCurve,
  until: (workspace: CeremonyWorkspace) => boolean = () => false,
): Promise<void> {
  const coordinator = workspace.transcript.plan.coordinator;
  for (let next = workspace.next(); next !== null && !until(workspace); next = workspace.next()) {
    if (next.kind === 'open') await workspace.open(coordinator, members.signers.get(coordinator)!, curve);
    else if (next.kind === 'beacon') await workspace.close(coordinator, members.signers.get(coordinator)!, curve, BEACON);
    else await workspace.contribute(next.member, members.signers.get(next.member)!, curve);
  }
}

/** After the last beacon: the keys folder, every member's attestation, the genesis fragment. */
export async function finishCeremony(workspace: CeremonyWorkspace, members: TestMembers, epoch = 2): Promise<CeremonyKeys & { readonly transcriptSha256: string }> {
  const keys = await writeCeremonyKeys({
    transcript: workspace.transcript,
    keysDir: workspace.folder.keys,
    epoch,
    phase1Final: await workspace.phase1Final(),
    circuits: [{ name: 'tiny', constraints: TINY_CONSTRAINTS, r1cs: TINY_R1CS, wasm: TINY_WASM, zkey: await workspace.currentFile({ phase: 2, circuit: 'tiny' }) }],
  });
  let transcript = workspace.transcript;
  for (const id of members.ids) transcript = attest(transcript, keys.finalHashes, id, members.signers.get(id)!);
  await writeTranscriptFile(workspace.folder.transcript, transcript);
  const transcriptSha256 = await sha256OfFile(workspace.folder.transcript);
  await writeGenesisFragment(workspace.folder.keys, keys.manifest, transcriptSha256);
  return { ...keys, transcriptSha256 };
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}
