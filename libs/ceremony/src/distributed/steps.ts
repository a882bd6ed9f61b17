import type { SetupLogger } from '@consortium/zkp';
import type { Lane } from '../transcript/entries.js';

/** A long step a party of the distributed ceremony takes itself: what a display shows a bar for. */
export type PartyStep =
  | { readonly kind: 'fetch'; readonly path: string; readonly size: number }
  | { readonly kind: 'open' | 'contribute' | 'beacon'; readonly lane: Lane }
  | { readonly kind: 'accept'; readonly lane: Lane; readonly member: string }
  | { readonly kind: 'keys' }
  | { readonly kind: 'verify' };

/** What a step reports while it runs: snarkjs's lines, its stages (check, then compute), bytes fetched. */
export interface PartyStepHooks {
  readonly logger?: SetupLogger | undefined;
  readonly onStage?: ((stage: 'check' | 'compute') => void) | undefined;
  readonly onBytes?: ((received: number, total: number) => void) | undefined;
}

/** Runs a step under the caller's display (a progress bar); the default just runs it. */
export type PartyStepTracker = <T>(step: PartyStep, body: (hooks: PartyStepHooks) => Promise<T>) => Promise<T>;

export const untracked: PartyStepTracker = (_step, body) => body({});
