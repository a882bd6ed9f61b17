/** Why a node refuses its proving and verification keys; each names the file and what to do. */

export class ArtifactError extends Error {}

export class KeysManifestError extends ArtifactError {
  override readonly name = 'KeysManifestError';
}

export class MissingArtifactError extends ArtifactError {
  override readonly name = 'MissingArtifactError';
}

export class ArtifactHashMismatchError extends ArtifactError {
  override readonly name = 'ArtifactHashMismatchError';
  constructor(
    readonly file: string,
    readonly pinnedSha256: string,
    readonly actualSha256: string,
    readonly artifact: string,
  ) {
    super(
      `${file} does not match genesis: ${artifact} is pinned to sha256 ${pinnedSha256}, the file has ${actualSha256}. ` +
        'The keys in this folder are not the consortium\'s: copy the keys of the ceremony recorded in genesis.',
    );
  }
}

export class UnpinnedCircuitError extends ArtifactError {
  override readonly name = 'UnpinnedCircuitError';
}

/** vk_gamma_2 == vk_delta_2: phase 2 had no contribution, so anyone can forge proofs. */
export class UncontributedKeyError extends ArtifactError {
  override readonly name = 'UncontributedKeyError';
}
