import type { FileEntry } from '@consortium/circuits';
import { genesisArtifactPins, genesisTrustedSetupOf, KEYS_MANIFEST_FILE, KEYS_MANIFEST_FORMAT, TRUSTED_SETUP_KINDS, type CircuitKeys, type KeysManifest, type TrustedSetupPin } from '@consortium/zkp';
import { KNOWN_CIRCUITS } from './circuit-selection.js';

/**
 * The folder a demo ceremony writes, every node reads its keys from, and genesis pins: file
 * names, the keys manifest, the genesis fragment and the INSECURE notice. Pure; the ceremony
 * (demo-ceremony.ts) makes the files and the command writes them.
 */

/** The fixed files of a keys folder. keys-manifest.json is written last: its presence means the folder is complete. */
export const KEYS_FOLDER_FILES = {
  manifest: KEYS_MANIFEST_FILE,
  genesisArtifacts: 'genesis-artifacts.json',
  readme: 'README-INSECURE.txt',
} as const;

/** The ceremony's working folder inside --out (intermediate files), removed at the end. */
export const CEREMONY_WORK_PREFIX = '.ceremony-work-';

/** Iterations of the beacon's hash, as 2^n (snarkjs's minimum: the demo beacon is random anyway). */
export const BEACON_ITERATIONS_EXP = 10;

export interface CircuitFileNames {
  readonly r1cs: string;
  readonly wasm: string;
  readonly zkey: string;
  readonly vkey: string;
}

/** Names of the files in the folder, relative to it. Everything the demo's one party could forge with says INSECURE. */
export function keysFolderLayout(circuits: readonly string[], power: number): { readonly ptau: string; readonly circuits: Readonly<Record<string, CircuitFileNames>> } {
  return {
    ptau: `powers-of-tau-${power}.INSECURE.ptau`,
    circuits: Object.fromEntries(
      circuits.map((name) => [name, { r1cs: `${name}.r1cs`, wasm: `${name}.wasm`, zkey: `${name}.INSECURE.zkey`, vkey: `${name}.INSECURE.vkey.json` }]),
    ),
  };
}

/** Files of an earlier ceremony that --force replaces; anything else in the folder is left alone. */
export function isCeremonyFile(name: string): boolean {
  return (
    (Object.values(KEYS_FOLDER_FILES) as string[]).includes(name) ||
    /\.INSECURE\.(zkey|ptau|vkey\.json)$/.test(name) ||
    KNOWN_CIRCUITS.some((circuit) => name === `${circuit}.r1cs` || name === `${circuit}.wasm`) ||
    name.startsWith(CEREMONY_WORK_PREFIX)
  );
}

export interface CircuitKeysInput extends CircuitKeys {
  readonly name: string;
}

export interface ManifestInput {
  readonly epoch: number;
  readonly createdAt: Date;
  readonly power: number;
  readonly ptau: FileEntry;
  readonly circuits: readonly CircuitKeysInput[];
}

/** keys-manifest.json of a demo ceremony: insecure, and says so. */
export function buildKeysManifest(input: ManifestInput): KeysManifest {
  return {
    format: KEYS_MANIFEST_FORMAT,
    epoch: input.epoch,
    insecure: true,
    ceremony: 'demo',
    createdAt: input.createdAt.toISOString(),
    ptau: { power: input.power, file: input.ptau },
    circuits: Object.fromEntries(
      input.circuits.map(({ name, constraints, r1cs, wasm, zkey, vkey }) => [name, { constraints, r1cs, wasm, zkey, vkey }]),
    ),
  };
}

/** What a keys folder contributes to genesis: the file pins and the kind of setup that made them. */
export interface GenesisKeysFragment {
  readonly artifacts: Readonly<Record<string, string>>;
  readonly trustedSetup: TrustedSetupPin;
}

/**
 * genesis-artifacts.json: the fragment to merge into genesis,
 * `{ "artifacts": { "epoch-1/settlement-64.zkey": "<sha256>", ... }, "trustedSetup": { "kind": "demo", "transcriptSha256": null } }`.
 */
export function genesisArtifactsOf(manifest: KeysManifest): GenesisKeysFragment {
  return { artifacts: genesisArtifactPins(manifest), trustedSetup: genesisTrustedSetupOf(manifest) };
}

/** Checks a parsed genesis-artifacts.json; the problem, or null when it is a fragment. */
export function genesisKeysFragmentProblem(value: unknown): string | null {
  const fragment = value as Partial<Record<keyof GenesisKeysFragment, unknown>> | null;
  const artifacts = fragment?.artifacts;
  if (typeof artifacts !== 'object' || artifacts === null || Array.isArray(artifacts)) return 'must hold { "artifacts": { name: sha256 }, "trustedSetup": { ... } }';
  const setup = fragment?.trustedSetup as Partial<TrustedSetupPin> | undefined;
  if (typeof setup !== 'object' || setup === null || !TRUSTED_SETUP_KINDS.includes(setup.kind as TrustedSetupPin['kind'])) {
    return 'does not say which kind of trusted setup made the keys ("trustedSetup": { "kind": "demo" | "ceremony" }); it was written by an older consortium-setup: run the ceremony again';
  }
  return null;
}

/** What the demo ceremony did, for the record: snarkjs's hashes and the beacons. */
export interface DemoRecord {
  readonly ptau: { readonly contributionHash: string; readonly beacon: string; readonly beaconResponseHash: string };
  readonly circuits: Readonly<Record<string, { readonly circuitHash: string; readonly contributionHash: string; readonly beacon: string; readonly beaconHash: string }>>;
}

/** The warning every run prints, and the first paragraph of README-INSECURE.txt. */
export const INSECURE_WARNING =
  'INSECURE DEMO SETUP: one process plays every party of the trusted setup, so it knew the toxic waste ' +
  '(the secret randomness of every contribution). Whoever ran it could forge settlement proofs that every ' +
  'node accepts. Use these keys for a local devnet or tests only; a real consortium runs the multi-party ceremony, ' +
  'in which each member contributes on its own machine.';

/** README-INSECURE.txt. */
export function insecureReadme(manifest: KeysManifest, record: DemoRecord): string {
  const circuits = Object.entries(manifest.circuits);
  const hashLines = (hex: string) => hex.match(/.{1,64}/g)!.map((part) => `      ${part}`);
  return [
    'INSECURE: DEMO KEYS, NEVER FOR A REAL CONSORTIUM',
    '',
    ...wrap(INSECURE_WARNING, 96),
    '',
    `Made by \`consortium-setup ceremony demo\` at ${manifest.createdAt}: key epoch ${manifest.epoch}, powers of tau 2^${manifest.ptau.power}.`,
    'Phase 1: a new accumulator, one contribution (entropy from node:crypto, never written down), a beacon.',
    'Phase 2, per circuit: a new proving key, one contribution, a beacon. The beacons are random values chosen by',
    'this process, not a public randomness source: they add nothing to the security of these keys.',
    '',
    'Phase 1 (powers of tau)',
    '  contribution hash:',
    ...hashLines(record.ptau.contributionHash),
    `  beacon (2^${BEACON_ITERATIONS_EXP} iterations): ${record.ptau.beacon}`,
    '  beacon response hash:',
    ...hashLines(record.ptau.beaconResponseHash),
    '',
    ...circuits.flatMap(([name]) => {
      const circuit = record.circuits[name];
      if (circuit === undefined) return [];
      return [
        `Phase 2: ${name}`,
        '  circuit hash:',
        ...hashLines(circuit.circuitHash),
        '  contribution hash:',
        ...hashLines(circuit.contributionHash),
        `  beacon (2^${BEACON_ITERATIONS_EXP} iterations): ${circuit.beacon}`,
        '  beacon contribution hash:',
        ...hashLines(circuit.beaconHash),
        '',
      ];
    }),
    'Files (sha256)',
    `  ${manifest.ptau.file.sha256}  ${manifest.ptau.file.path}`,
    ...circuits.flatMap(([, keys]) => [keys.r1cs, keys.wasm, keys.zkey, keys.vkey].map((file) => `  ${file.sha256}  ${file.path}`)),
    '',
    `${KEYS_FOLDER_FILES.manifest} lists them with "insecure": true; ${KEYS_FOLDER_FILES.genesisArtifacts} holds the genesis pins of the`,
    'wasm, proving key and verification key of each circuit.',
    '',
  ].join('\n');
}

/** Splits text into lines of at most `width` characters, at spaces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
