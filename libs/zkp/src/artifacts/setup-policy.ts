import { DemoKeysRefusedError, SetupKindNotPinnedError } from './errors.js';

/**
 * Which keys a network may run with, decided from genesis alone: the keys manifest sits next to
 * the keys and is not pinned, so it cannot say whether keys are insecure. This is the one place
 * the rule lives; the loader (every node start) and `consortium-setup genesis` call it.
 */

/** How the keys were made: `demo` (one process played every party: INSECURE) or `ceremony` (the multi-party ceremony). */
export type TrustedSetupKind = 'demo' | 'ceremony';
export const TRUSTED_SETUP_KINDS: readonly TrustedSetupKind[] = ['demo', 'ceremony'];

/** What genesis pins about the setup behind its keys. */
export interface TrustedSetupPin {
  readonly kind: TrustedSetupKind;
  /** sha256 of the ceremony's transcript, once the multi-party ceremony writes one; null until then and for a demo. */
  readonly transcriptSha256: string | null;
}

/** `devnet`: a local test network (genesis says so); `production` otherwise. */
export type NetworkKind = 'devnet' | 'production';

/** The parts of a genesis the keys depend on. */
export interface GenesisKeyPins {
  /** `epoch-1/settlement-64.zkey` -> sha256, for the wasm, zkey and vkey of each circuit. */
  readonly artifacts: Readonly<Record<string, string>>;
  /** Absent when genesis does not say (a refusal for any genesis that pins keys). */
  readonly trustedSetup?: TrustedSetupPin | undefined;
  readonly network: NetworkKind;
}

/**
 * Throws SetupKindNotPinnedError when genesis pins keys without saying which kind of setup
 * made them, and DemoKeysRefusedError for demo keys anywhere but on a devnet.
 */
export function assertSetupAllowed(setup: TrustedSetupPin | undefined, network: NetworkKind): TrustedSetupPin {
  if (setup === undefined) throw new SetupKindNotPinnedError();
  if (setup.kind === 'demo' && network !== 'devnet') throw new DemoKeysRefusedError(network);
  return setup;
}
