import { Pkcs11AesKey, Pkcs11Error, type Genesis } from '@consortium/consensus';
import { ArtifactError, loadEpoch, type LoadedEpoch, type ProvingKeySealer } from '@consortium/zkp';
import type { NodeConfig } from './config.js';
import { NodeStartError } from './start-error.js';

/**
 * The proof keys a node starts with, decided from genesis: a chain whose genesis pins keys loads
 * them (every file checked against its pin, demo keys only on a devnet: loadEpoch of
 * @consortium/zkp); a chain that pins none starts only when genesis says it has no proofs
 * (`application: "kv-test"`). Anything else fails closed: a node that cannot verify proofs
 * must not run a chain that has them.
 */

/** Genesis pins no keys and does not say the chain runs without proofs. */
export class ProofKeysNotPinnedError extends NodeStartError {
  override readonly name = 'ProofKeysNotPinnedError';
  constructor() {
    super(
      'genesis pins no proof keys ("artifacts" is empty) and does not say the chain runs without proofs ("application": "kv-test"): ' +
        'refusing to start a node that could not verify settlement proofs. Pin the ceremony\'s keys in genesis (consortium-setup genesis --keys).',
    );
  }
}

/** The keys to verify (and later prove) with, or null for a chain without proofs. Throws NodeStartError naming the problem. */
export async function loadProofKeys(config: NodeConfig, genesis: Genesis, sealer: ProvingKeySealer | null = null): Promise<LoadedEpoch | null> {
  const pinned = Object.keys(genesis.artifacts).length;
  if (pinned === 0) {
    if (genesis.application === 'kv-test') return null;
    throw new ProofKeysNotPinnedError();
  }
  if (config.keysDir === undefined) {
    throw new NodeStartError(`genesis pins ${pinned} key files but node.json has no keysDir: point it at the folder of the ceremony's keys`);
  }
  try {
    return await loadEpoch(config.keysDir, { artifacts: genesis.artifacts, trustedSetup: genesis.trustedSetup, network: genesis.network ?? 'production' }, sealer === null ? {} : { sealer });
  } catch (error) {
    if (error instanceof ArtifactError) throw new NodeStartError(`refusing to start: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * The HSM key that seals this node's proving keys (node.json provingKeySealPkcs11Uri), or null
 * when they are plain files. Its session stays open while the node runs: a later key epoch's
 * sealed keys are opened with it too.
 */
export function openProvingKeySealer(config: Pick<NodeConfig, 'provingKeySealPkcs11Uri'>): (ProvingKeySealer & { close(): void }) | null {
  if (config.provingKeySealPkcs11Uri === undefined) return null;
  try {
    return Pkcs11AesKey.open(config.provingKeySealPkcs11Uri);
  } catch (error) {
    if (error instanceof Pkcs11Error) throw new NodeStartError(`provingKeySealPkcs11Uri: ${error.message}`, { cause: error });
    throw error;
  }
}
