import type { FileEntry } from '@consortium/circuits';
import type { TrustedSetupKind, TrustedSetupPin } from './setup-policy.js';

/**
 * The keys manifest a trusted setup writes next to its keys (`keys-manifest.json`): which key
 * epoch, which circuits, every file with its SHA-256, and whether the setup is insecure (the
 * single-party demo). Genesis pins the hashes (`genesisArtifactPins`); the loader checks them.
 */

export const KEYS_MANIFEST_FORMAT = 'consortium-keys/1';
export const KEYS_MANIFEST_FILE = 'keys-manifest.json';

export interface CircuitKeys {
  readonly constraints: number;
  readonly r1cs: FileEntry;
  /** The witness calculator. */
  readonly wasm: FileEntry;
  /** The Groth16 proving key. */
  readonly zkey: FileEntry;
  /** The verification key (snarkjs JSON). */
  readonly vkey: FileEntry;
}

export interface KeysManifest {
  readonly format: typeof KEYS_MANIFEST_FORMAT;
  /** Key epoch id: 1 for the keys genesis starts with; each new ceremony makes the next. */
  readonly epoch: number;
  /** True for the single-party demo setup: its one party knows the toxic waste. */
  readonly insecure: boolean;
  readonly ceremony: 'demo' | 'multi-party';
  readonly createdAt: string;
  readonly ptau: { readonly power: number; readonly file: FileEntry };
  readonly circuits: Readonly<Record<string, CircuitKeys>>;
}

/** The artifact kinds genesis pins per circuit. */
export const PINNED_KINDS = ['wasm', 'zkey', 'vkey'] as const;
export type PinnedKind = (typeof PINNED_KINDS)[number];

/** Genesis artifact name of a pinned file: `epoch-1/settlement-64.zkey`. */
export function artifactName(epoch: number, circuit: string, kind: PinnedKind): string {
  return `epoch-${epoch}/${circuit}.${kind}`;
}

/** The `artifacts` entries genesis carries for a manifest: name -> sha256. */
export function genesisArtifactPins(manifest: KeysManifest): Record<string, string> {
  const pins: Record<string, string> = {};
  for (const [circuit, keys] of Object.entries(manifest.circuits)) {
    for (const kind of PINNED_KINDS) pins[artifactName(manifest.epoch, circuit, kind)] = keys[kind].sha256;
  }
  return pins;
}

/** The kind of setup a manifest says made its keys: an insecure or `demo` manifest is a demo's. */
export function manifestSetupKind(manifest: Pick<KeysManifest, 'insecure' | 'ceremony'>): TrustedSetupKind {
  return manifest.insecure || manifest.ceremony === 'demo' ? 'demo' : 'ceremony';
}

/** What genesis pins about the setup behind a manifest's keys (no transcript yet: the multi-party ceremony brings it). */
export function genesisTrustedSetupOf(manifest: KeysManifest): TrustedSetupPin {
  return { kind: manifestSetupKind(manifest), transcriptSha256: null };
}
