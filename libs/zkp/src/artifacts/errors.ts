/** Why a node refuses its proving and verification keys; each names the file and what to do. */

export class ArtifactError extends Error {}

/** keys-manifest.json is missing a field, has a wrong type, or lists a circuit without one of its files. */
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

/** A pinned file whose bytes match its pin but are not a usable verification key (not JSON, malformed points). */
export class InvalidArtifactError extends ArtifactError {
  override readonly name = 'InvalidArtifactError';
}

/**
 * A manifest path that leaves the keys folder: absolute, with a `..` segment, or through a
 * symbolic link pointing outside. The manifest is not pinned; only files inside the folder the
 * operator named are ever read.
 */
export class ArtifactPathError extends ArtifactError {
  override readonly name = 'ArtifactPathError';
  constructor(
    readonly path: string,
    readonly keysDir: string,
    why: string,
  ) {
    super(`${JSON.stringify(path)} in the keys manifest of ${keysDir} ${why}: every artifact must be a file inside the keys folder`);
  }
}

/** Genesis pins key files but not the kind of trusted setup they came from (demo or ceremony). */
export class SetupKindNotPinnedError extends ArtifactError {
  override readonly name = 'SetupKindNotPinnedError';
  constructor() {
    super('genesis pins key files but not the kind of trusted setup that made them ("trustedSetup": { "kind": "demo" | "ceremony" }); refusing keys of unknown origin');
  }
}

/**
 * Genesis pins keys from the single-party demo setup, whose maker knew the toxic waste and can
 * forge any proof, and does not say the network is a devnet.
 */
export class DemoKeysRefusedError extends ArtifactError {
  override readonly name = 'DemoKeysRefusedError';
  constructor(readonly network: string) {
    super(
      `genesis pins keys from the INSECURE single-party demo setup, and the network is ${network}, not a devnet: ` +
        'whoever ran the demo can forge settlement proofs. Use the keys of the multi-party ceremony, or mark a test network "network": "devnet" in genesis.',
    );
  }
}

/** The keys manifest and genesis disagree about the setup that made the keys (e.g. a demo folder where genesis pins a ceremony). */
export class SetupKindMismatchError extends ArtifactError {
  override readonly name = 'SetupKindMismatchError';
  constructor(
    readonly pinnedKind: string,
    readonly manifestKind: string,
    readonly manifestFile: string,
  ) {
    super(`genesis pins keys of a ${pinnedKind} setup, but ${manifestFile} says they come from a ${manifestKind} setup; refusing the folder`);
  }
}

/** A sealed proving key (`<zkey>.sealed`) that cannot be opened: no sealing key given, another key, or an altered file. */
export class SealedKeyError extends ArtifactError {
  override readonly name = 'SealedKeyError';
}
