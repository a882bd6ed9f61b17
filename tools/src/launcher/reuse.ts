import type { Genesis } from '@consortium/consensus';
import { genesisArtifactPins, genesisTrustedSetupOf, type KeysManifest } from '@consortium/zkp';

/**
 * What a later `npm start` may reuse from `.devnet/`, decided from what is on disk and what this
 * run wants. Pure: each returns why something must be made again, or null when it can be reused.
 */

/** The circuits this run wants keys for, as the current build made them. */
export interface WantedCircuit {
  readonly name: string;
  readonly r1csSha256: string;
}

/** Why the demo keys folder cannot serve `circuits`, or null when it can (its files are then checked as a node loads them). */
export function demoKeysStale(manifest: KeysManifest | null, circuits: readonly WantedCircuit[]): string | null {
  if (manifest === null) return 'no demo keys yet';
  const have = Object.keys(manifest.circuits).sort();
  const want = circuits.map((circuit) => circuit.name).sort();
  if (have.join(',') !== want.join(',')) return `the keys are for ${have.join(', ')}, this run wants ${want.join(', ')}`;
  const changed = circuits.filter((circuit) => manifest.circuits[circuit.name]!.r1cs.sha256 !== circuit.r1csSha256).map((circuit) => circuit.name);
  if (changed.length > 0) return `the circuit ${changed.join(', ')} changed since its keys were made`;
  return null;
}

/** Why the devnet's genesis and member files cannot serve this run, or null when the chain can go on. */
export function devnetStale(
  genesis: Pick<Genesis, 'network' | 'artifacts' | 'trustedSetup'> & { readonly members: readonly unknown[] } | null,
  members: number,
  keys: KeysManifest,
  /** A multi-party ceremony's keys: the transcript their genesis fragment pins (demo keys have none). */
  transcriptSha256: string | null = null,
): string | null {
  if (genesis === null) return 'no devnet yet';
  if (genesis.members.length !== members) return `the devnet has ${genesis.members.length} members, this run wants ${members}`;
  if (genesis.network !== 'devnet') return 'its genesis is not a devnet genesis';
  const pins = genesisArtifactPins(keys);
  const pinned = genesis.artifacts;
  const same = Object.keys(pins).length === Object.keys(pinned).length && Object.entries(pins).every(([name, sha256]) => pinned[name] === sha256);
  const setup = { ...genesisTrustedSetupOf(keys), transcriptSha256 };
  if (!same || genesis.trustedSetup?.kind !== setup.kind || (genesis.trustedSetup.transcriptSha256 ?? null) !== (setup.transcriptSha256 ?? null)) {
    return "its genesis pins other keys than the demo keys'";
  }
  return null;
}
