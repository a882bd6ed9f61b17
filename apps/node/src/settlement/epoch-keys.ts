import { toHex } from '@consortium/consensus';
import { listKeyEpochs, type KeyEpochRecord, type MapState } from '@consortium/settlement';
import { ArtifactError, artifactName, loadEpoch, type KeyEpochs, type NetworkKind, type ProvingKeySealer, type TrustedSetupPin } from '@consortium/zkp';
import type { Logger } from 'pino';

/**
 * The proving keys of key epochs registered on chain after genesis (a key rotation). Verifying
 * needs no file: the chain carries each epoch's verification keys, and the application hands
 * them to the verifier. Proving under a later epoch needs its ceremony's keys folder, named in
 * node.json's `epochKeysDirs`; its files are checked against the pins the chain holds, exactly
 * as genesis pins check the first keys folder. A folder that does not match is logged and left
 * out: the node keeps verifying and says, when it is asked to prove, which folder it lacks.
 */
export class LaterEpochKeys {
  /** Loads run one after the other: a registration can commit while the start's load runs. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: {
      /** Epoch number ("2") -> keys folder (absolute). */
      readonly dirs: Readonly<Record<string, string>>;
      readonly epochs: KeyEpochs;
      /** The kind of setup every epoch of this chain comes from (genesis's), and the network: demo keys only on a devnet. */
      readonly trustedSetup: TrustedSetupPin | undefined;
      readonly network: NetworkKind;
      /** Opens sealed proving keys (`<zkey>.sealed`); null when this node's keys are plain files. */
      readonly sealer: ProvingKeySealer | null;
      readonly logger: Logger;
    },
  ) {}

  /** Loads each registered epoch this node has a folder for and has not loaded yet. */
  loadRegistered(state: MapState): Promise<void> {
    const pending = listKeyEpochs(state).filter((record) => record.verificationKeys !== null && !this.options.epochs.has(record.epoch));
    this.queue = this.queue.then(async () => {
      for (const record of pending) await this.load(record);
    });
    return this.queue;
  }

  private async load(record: KeyEpochRecord): Promise<void> {
    const { dirs, epochs, logger } = this.options;
    if (epochs.has(record.epoch)) return;
    const dir = dirs[String(record.epoch)];
    if (dir === undefined) {
      logger.warn({ epoch: record.epoch, activationHeight: record.activationHeight }, `key epoch ${record.epoch} is registered; this node verifies its proofs from the chain but cannot prove under it: add its keys folder to node.json's epochKeysDirs`);
      return;
    }
    try {
      const loaded = await loadEpoch(dir, { artifacts: pinsOf(record), trustedSetup: this.options.trustedSetup, network: this.options.network }, this.options.sealer === null ? {} : { sealer: this.options.sealer });
      epochs.add(loaded);
      logger.info({ epoch: record.epoch, activationHeight: record.activationHeight, circuits: [...loaded.circuits.keys()] }, `proving keys of key epoch ${record.epoch} loaded and checked against the chain's pins`);
    } catch (error) {
      if (!(error instanceof ArtifactError)) throw error;
      logger.error({ err: error, epoch: record.epoch, dir }, `the keys folder of key epoch ${record.epoch} does not match what the chain registered: this node cannot prove under it; use that ceremony's keys folder`);
    }
  }
}

/** The chain's pins of an epoch as loadEpoch takes them (`epoch-2/settlement-4.zkey` -> sha256 hex). */
function pinsOf(record: KeyEpochRecord): Record<string, string> {
  return Object.fromEntries(
    record.pins.flatMap((pin) => [
      [artifactName(record.epoch, pin.circuit, 'zkey'), toHex(pin.zkey)],
      [artifactName(record.epoch, pin.circuit, 'wasm'), toHex(pin.wasm)],
      [artifactName(record.epoch, pin.circuit, 'vkey'), toHex(pin.vkey)],
    ]),
  );
}
