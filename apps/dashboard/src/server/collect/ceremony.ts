import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TRANSCRIPT_FILE } from '@consortium/ceremony';
import type { ZkpView } from '../../protocol.js';
import { readTranscriptReport, type KeysFolderPins } from './ceremony-transcript.js';
import type { Targets } from './targets.js';

/**
 * The trusted-setup summary of the ZKP view, from the keys folder the nodes load: its manifest
 * (`keys-manifest.json`, format `consortium-keys/1` of @consortium/zkp) says demo or multi-party;
 * a multi-party ceremony's folder (`<ceremony dir>/keys/`) sits beside its `transcript.json`, which
 * the keys' genesis fragment (`genesis-artifacts.json`) pins by sha256 and which is reported in
 * full (ceremony-transcript.ts). A demo has one insecure party and no transcript. Null when there
 * is no manifest to read.
 */

/** Where the keys manifest is and, when the deployment names it, the transcript (default: `transcript.json` beside the keys folder). */
export type CeremonySources = Pick<Targets, 'keysManifestFile' | 'ceremonyTranscriptFile'>;

const GENESIS_FRAGMENT_FILE = 'genesis-artifacts.json';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const stringAt = (value: unknown, ...path: string[]): string | null => {
  let at = value;
  for (const key of path) at = isRecord(at) ? at[key] : undefined;
  return typeof at === 'string' ? at : null;
};

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

export async function readCeremony(sources: CeremonySources): Promise<ZkpView['ceremony']> {
  const manifestFile = sources.keysManifestFile;
  if (manifestFile === null) return null;
  const manifest = await readJson(manifestFile);
  if (!isRecord(manifest) || manifest['format'] !== 'consortium-keys/1') return null;
  const demo = manifest['insecure'] === true || manifest['ceremony'] === 'demo';
  const circuits = isRecord(manifest['circuits']) ? Object.keys(manifest['circuits']) : [];
  const listed = Array.isArray(manifest['contributors']) ? manifest['contributors'].filter((c): c is string => typeof c === 'string') : null;
  const finishedAt = stringAt(manifest, 'createdAt');
  if (demo) {
    return { kind: 'demo', contributors: listed ?? ['single-party demo (INSECURE)'], circuits, transcriptSha256: null, finishedAt, transcript: null };
  }

  const keysDir = dirname(manifestFile);
  const pins: KeysFolderPins = {
    transcriptSha256: stringAt(await readJson(join(keysDir, GENESIS_FRAGMENT_FILE)), 'trustedSetup', 'transcriptSha256'),
    attestedHashes: attestedHashesOf(manifest),
  };
  const transcriptFile = sources.ceremonyTranscriptFile ?? join(dirname(keysDir), TRANSCRIPT_FILE);
  const transcript = await readTranscriptReport(transcriptFile, pins, sources.ceremonyTranscriptFile !== null);
  // Only a verified transcript says who contributed: a member skipped in one lane still counts if it contributed to another.
  const contributors = transcript?.status === 'verified' ? transcript.plan.members.filter((member) => transcript.lanes.some((lane) => lane.steps.some((step) => step.kind === 'contribution' && step.member === member))) : (listed ?? []);
  return { kind: 'distributed', contributors, circuits, transcriptSha256: pins.transcriptSha256, finishedAt, transcript };
}

/**
 * The hashes a ceremony's members attest (attestation.ts of @consortium/ceremony), as the keys
 * manifest records the files: phase 1's final file (the manifest's ptau) and, per circuit, the
 * final proving key and its verification key file. Null when one is missing.
 */
function attestedHashesOf(manifest: Record<string, unknown>): KeysFolderPins['attestedHashes'] {
  const phase1Sha256 = stringAt(manifest, 'ptau', 'file', 'sha256');
  if (phase1Sha256 === null || !isRecord(manifest['circuits'])) return null;
  const circuits: Record<string, { zkeySha256: string; vkeySha256: string }> = {};
  for (const [name, keys] of Object.entries(manifest['circuits'])) {
    const zkeySha256 = stringAt(keys, 'zkey', 'sha256');
    const vkeySha256 = stringAt(keys, 'vkey', 'sha256');
    if (zkeySha256 === null || vkeySha256 === null) return null;
    circuits[name] = { zkeySha256, vkeySha256 };
  }
  return { phase1Sha256, circuits };
}
