import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { artifactName, KEYS_MANIFEST_FILE, PINNED_KINDS, type KeysManifest, type PinnedKind } from '@consortium/zkp';
import { verifyAttestations, type FinalHashes } from '../attestation.js';
import { isSafeRelativePath } from '../distributed/files.js';
import { AttestationError, UnattestedKeysError } from '../errors.js';
import { sha256OfFile } from '../files/hashing.js';
import { planHash } from '../plan.js';
import { checkTranscript, type TranscriptDocument } from '../transcript/document.js';

/**
 * Are the keys in a keys folder the ones every member attested? The attestation covers phase 1's
 * final file and each circuit's proving and verification key; genesis pins what the folder's
 * genesis-artifacts.json says, and nodes load what keys-manifest.json lists (checked against
 * genesis only). A coordinator hands the folder out after the attestations, so nothing stopped
 * it from handing out other keys with a manifest and a fragment to match (T40 in
 * docs/security.md). This compares, from the files' own bytes: each attested key with the file,
 * the manifest's entry and the fragment's pin; the fragment's pins with the manifest, circuit
 * for circuit and no more; and the transcript the fragment pins with this one. The first
 * difference is an UnattestedKeysError that names both hashes.
 */

/** The genesis fragment a ceremony's keys folder holds: what `genesis --keys` pins. */
export const GENESIS_FRAGMENT_FILE = 'genesis-artifacts.json';

export interface AttestedKeysCheck {
  /**
   * The hashes every member attested, when the caller has them checked against every
   * attestation (a participant, `ceremony verify`). Without them (`genesis --keys`, which has
   * the transcript only) the folder's proving keys and phase 1 file must be the transcript's
   * final ones, and every member's attestation must verify over the folder's hashes.
   */
  readonly attested?: FinalHashes | undefined;
  /** sha256 of the transcript file, which the fragment must pin. */
  readonly transcriptSha256: string;
  /** The fragment must be there (what genesis pins), or is checked when present (before the last attestation, a file-based ceremony has none yet). */
  readonly fragment: 'required' | 'if-present';
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const short = (sha256: string) => `${sha256.slice(0, 16)}…`;
const KEY_WORDS: Readonly<Record<'zkey' | 'vkey', string>> = { zkey: 'proving key', vkey: 'verification key' };

/** Throws UnattestedKeysError at the first difference; returns the hashes the folder's keys make (the attested ones). */
export async function checkAttestedKeys(keysDir: string, transcript: TranscriptDocument, check: AttestedKeysCheck): Promise<FinalHashes> {
  const refuse = (detail: string) => new UnattestedKeysError(keysDir, detail);
  const manifest = await readManifest(keysDir, refuse);
  const { plan } = transcript;
  const planned = plan.circuits.map((circuit) => circuit.name);
  const listed = Object.keys(manifest.circuits);
  const extra = listed.filter((name) => !planned.includes(name));
  if (extra.length > 0) throw refuse(`${KEYS_MANIFEST_FILE} has keys for ${extra.join(', ')}, which the ceremony's plan does not have (it has ${planned.join(', ')})`);

  // The folder's hashes, from the files' bytes, each equal to the manifest's entry.
  const fileHash = async (entry: { path: string; sha256: string }, what: string): Promise<string> => {
    if (!isSafeRelativePath(entry.path)) throw refuse(`${KEYS_MANIFEST_FILE} names ${what} ${JSON.stringify(entry.path)}, not a file inside the folder`);
    const sha256 = await sha256OfFile(join(keysDir, entry.path)).catch(() => null);
    if (sha256 === null) throw refuse(`${entry.path} (${what}) cannot be read`);
    if (sha256 !== entry.sha256) throw refuse(`${entry.path} has sha256 ${short(sha256)}, but ${KEYS_MANIFEST_FILE} lists ${short(entry.sha256)} for it`);
    return sha256;
  };
  const circuits: Record<string, { zkeySha256: string; vkeySha256: string }> = {};
  const wasm: Record<string, string> = {};
  for (const name of planned) {
    const keys = manifest.circuits[name];
    if (keys === undefined) throw refuse(`${KEYS_MANIFEST_FILE} has no keys for ${name}`);
    const r1csSha256 = await fileHash(keys.r1cs, `the r1cs of ${name}`);
    const pinnedR1cs = plan.circuits.find((circuit) => circuit.name === name)!.r1csSha256;
    if (r1csSha256 !== pinnedR1cs) throw refuse(`${keys.r1cs.path} has sha256 ${short(r1csSha256)}, but the plan pins ${short(pinnedR1cs)} as the r1cs of ${name}`);
    wasm[name] = await fileHash(keys.wasm, `the witness calculator of ${name}`);
    circuits[name] = { zkeySha256: await fileHash(keys.zkey, `the ${KEY_WORDS.zkey} of ${name}`), vkeySha256: await fileHash(keys.vkey, `the ${KEY_WORDS.vkey} of ${name}`) };
  }
  const found: FinalHashes = { planHash: planHash(plan), phase1Sha256: await fileHash(manifest.ptau.file, "phase 1's final file"), circuits };

  // Compared file by file with the attested hashes when given; otherwise with the transcript's
  // final files (each lane's last, which the attestation covers), then every member's
  // attestation must verify over the folder's hashes (which leaves only the verification keys).
  const where = (kind: 'zkey' | 'vkey', name: string) => manifest.circuits[name]![kind].path;
  const differs = (path: string, has: string, expected: string | undefined, what: string, source: string) =>
    refuse(`${path} has sha256 ${short(has)}, but ${source} ${expected === undefined ? 'no such file' : short(expected)} as ${what}`);
  if (check.attested === undefined) {
    const state = checkTranscript(transcript);
    if (state.next !== null) throw refuse('the ceremony of its transcript is not complete, so no keys of it are attested');
    const phase1 = state.lanes.find((lane) => lane.lane.phase === 1)?.lastSha256 ?? (plan.phase1.source === 'import' ? plan.phase1.sha256 : undefined);
    if (found.phase1Sha256 !== phase1) throw differs(manifest.ptau.file.path, found.phase1Sha256, phase1, "phase 1's final file", 'the transcript names');
    for (const name of planned) {
      const final = state.lanes.find((lane) => lane.lane.phase === 2 && lane.lane.circuit === name)?.lastSha256 ?? undefined;
      if (circuits[name]!.zkeySha256 !== final) throw differs(where('zkey', name), circuits[name]!.zkeySha256, final, `the final ${KEY_WORDS.zkey} of ${name}`, 'the transcript names');
    }
    try {
      verifyAttestations(plan, found, transcript.attestations);
    } catch (error) {
      if (!(error instanceof AttestationError)) throw error;
      throw refuse(`its proving keys and phase 1 file are the transcript's final ones, but the members' attestations do not verify over its verification keys (${error.message})`);
    }
  } else {
    const attested = check.attested;
    if (found.phase1Sha256 !== attested.phase1Sha256) throw differs(manifest.ptau.file.path, found.phase1Sha256, attested.phase1Sha256, "phase 1's final file", 'the members attested');
    for (const name of planned) {
      for (const kind of ['zkey', 'vkey'] as const) {
        const has = circuits[name]![`${kind}Sha256`];
        const expected = attested.circuits[name]?.[`${kind}Sha256`];
        if (has !== expected) throw differs(where(kind, name), has, expected, `the ${KEY_WORDS[kind]} of ${name}`, 'the members attested');
      }
    }
  }

  const fragment = await readFragment(keysDir, check.fragment, refuse);
  if (fragment !== null) checkFragment(fragment, manifest.epoch, { circuits, wasm }, check.transcriptSha256, refuse);
  return found;
}

type Refuse = (detail: string) => UnattestedKeysError;
type Fragment = { readonly artifacts: Record<string, unknown>; readonly trustedSetup: Record<string, unknown> };

/** What genesis will pin: exactly the wasm, zkey and vkey of each planned circuit, as the folder holds them, and this transcript. */
function checkFragment(
  fragment: Fragment,
  epoch: number,
  folder: { readonly circuits: Readonly<Record<string, { zkeySha256: string; vkeySha256: string }>>; readonly wasm: Readonly<Record<string, string>> },
  transcriptSha256: string,
  refuse: Refuse,
): void {
  const expected = new Map<string, { sha256: string; what: string }>();
  for (const [name, keys] of Object.entries(folder.circuits)) {
    const hashes: Record<PinnedKind, string> = { wasm: folder.wasm[name]!, zkey: keys.zkeySha256, vkey: keys.vkeySha256 };
    for (const kind of PINNED_KINDS) expected.set(artifactName(epoch, name, kind), { sha256: hashes[kind], what: kind === 'wasm' ? `the witness calculator of ${name}` : `the ${KEY_WORDS[kind]} of ${name}` });
  }
  for (const [artifact, pin] of Object.entries(fragment.artifacts)) {
    const wanted = expected.get(artifact);
    if (wanted === undefined) throw refuse(`${GENESIS_FRAGMENT_FILE} pins ${artifact}, which is not a key of the ceremony (it pins ${[...expected.keys()].join(', ')})`);
    if (pin !== wanted.sha256) throw refuse(`${GENESIS_FRAGMENT_FILE} pins ${artifact} as ${typeof pin === 'string' ? short(pin) : JSON.stringify(pin)}, but ${wanted.what} in the folder, the attested one, has ${short(wanted.sha256)}`);
  }
  const missing = [...expected.keys()].filter((artifact) => !(artifact in fragment.artifacts));
  if (missing.length > 0) throw refuse(`${GENESIS_FRAGMENT_FILE} does not pin ${missing.join(', ')}`);
  const { kind, transcriptSha256: pinned } = fragment.trustedSetup;
  if (kind !== 'ceremony') throw refuse(`${GENESIS_FRAGMENT_FILE} says the keys come from a ${JSON.stringify(kind)} setup, not from the ceremony`);
  if (pinned !== transcriptSha256) throw refuse(`${GENESIS_FRAGMENT_FILE} pins the transcript ${typeof pinned === 'string' ? short(pinned) : JSON.stringify(pinned)}, not this ceremony's (${short(transcriptSha256)})`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** keys-manifest.json with every field read here checked: a hostile one is an UnattestedKeysError, never a TypeError. */
async function readManifest(keysDir: string, refuse: Refuse): Promise<KeysManifest> {
  const raw = await readJson(join(keysDir, KEYS_MANIFEST_FILE));
  if (raw === undefined) throw refuse(`it has no ${KEYS_MANIFEST_FILE}`);
  const isEntry = (value: unknown) => isObject(value) && typeof value.path === 'string' && typeof value.sha256 === 'string' && SHA256_HEX.test(value.sha256);
  const circuitsOk = (value: unknown) => isObject(value) && Object.values(value).every((keys) => isObject(keys) && ['r1cs', ...PINNED_KINDS].every((kind) => isEntry(keys[kind])));
  if (!isObject(raw) || !Number.isSafeInteger(raw.epoch) || !isObject(raw.ptau) || !isEntry(raw.ptau.file) || !circuitsOk(raw.circuits)) {
    throw refuse(`${KEYS_MANIFEST_FILE} is not a keys manifest (epoch, ptau and circuits with { path, sha256 } for each file)`);
  }
  if (raw.insecure !== false || raw.ceremony !== 'multi-party') throw refuse(`${KEYS_MANIFEST_FILE} does not say multi-party`);
  return raw as unknown as KeysManifest;
}

async function readFragment(keysDir: string, presence: AttestedKeysCheck['fragment'], refuse: Refuse): Promise<Fragment | null> {
  const raw = await readJson(join(keysDir, GENESIS_FRAGMENT_FILE));
  if (raw === undefined) {
    if (presence === 'if-present') return null;
    throw refuse(`it has no ${GENESIS_FRAGMENT_FILE}`);
  }
  if (!isObject(raw) || !isObject(raw.artifacts) || !isObject(raw.trustedSetup)) throw refuse(`${GENESIS_FRAGMENT_FILE} is not a genesis fragment ({ "artifacts": { name: sha256 }, "trustedSetup": { ... } })`);
  return { artifacts: raw.artifacts, trustedSetup: raw.trustedSetup };
}
