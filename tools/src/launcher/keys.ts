import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCircuit } from '@consortium/circuits';
import { ArtifactError, genesisArtifactPins, genesisTrustedSetupOf, KEYS_MANIFEST_FILE, loadEpoch, type KeysManifest } from '@consortium/zkp';
import { runSetupCli } from '../devnet/processes.js';
import type { LaunchProgress } from './progress.js';
import { demoKeysStale } from './reuse.js';

/**
 * The devnet's demo ZKP keys: reused from the keys folder when they are for the circuits this run
 * wants, as the current sources build them, and load as a node loads them; otherwise made again
 * by `consortium-setup ceremony demo` (its steps shown as it goes).
 */

/** The keys folder's manifest, or null when it has none (or not JSON). */
export async function readKeysManifest(keysDir: string): Promise<KeysManifest | null> {
  const text = await readFile(join(keysDir, KEYS_MANIFEST_FILE), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as KeysManifest;
  } catch {
    return null;
  }
}

/** Why the keys folder cannot be reused, or null when it can. */
async function staleReason(keysDir: string, circuits: readonly string[], progress: LaunchProgress): Promise<string | null> {
  const built = [];
  for (const name of circuits) {
    built.push(await buildCircuit(name, { onStep: (step) => progress.detail(step) }));
  }
  const manifest = await readKeysManifest(keysDir);
  const reason = demoKeysStale(
    manifest,
    built.map((circuit) => ({ name: circuit.manifest.name, r1csSha256: circuit.manifest.files.r1cs.sha256 })),
  );
  if (reason !== null || manifest === null) return reason;
  try {
    await loadEpoch(keysDir, { artifacts: genesisArtifactPins(manifest), trustedSetup: genesisTrustedSetupOf(manifest), network: 'devnet' });
    return null;
  } catch (error) {
    if (error instanceof ArtifactError) return `the keys do not load: ${error.message}`;
    throw error;
  }
}

/** Makes sure `keysDir` holds demo keys for `circuits`; returns their manifest. */
export async function ensureDemoKeys(keysDir: string, circuits: readonly string[], progress: LaunchProgress, signal: AbortSignal): Promise<KeysManifest> {
  const reason = await progress.step(`demo ZKP keys for ${circuits.join(', ')}`, async (outcome) => {
    const stale = await staleReason(keysDir, circuits, progress);
    outcome(stale === null ? `reused from ${keysDir}` : `to make: ${stale}`);
    return stale;
  });
  if (reason !== null) {
    await progress.step(`INSECURE demo trusted setup (consortium-setup ceremony demo) into ${keysDir}`, async () => {
      await runSetupCli(['ceremony', 'demo', '--circuits', circuits.join(','), '--out', keysDir, '--force'], {
        signal,
        onProgressLine: (line) => progress.detail(line),
      });
    });
  }
  const manifest = await readKeysManifest(keysDir);
  if (manifest === null) throw new Error(`the demo ceremony wrote no ${KEYS_MANIFEST_FILE} in ${keysDir}`);
  return manifest;
}
