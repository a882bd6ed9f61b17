import type { MemberId } from '../../domain/types.js';
import { DuplicateError, KeyEpochNotInForceError, KeyEpochOrderError } from '../../errors.js';
import { SETTLEMENT_LIMITS_TABLE as LIMITS } from '../../limits.js';
import type { RegisterKeyEpochBody } from '../../tx/types.js';
import { succeed, type TxContext, type TxOutcome } from '../context.js';
import { countersOf, COUNTERS_ID, requireSigners } from '../lookups.js';
import type { KeyEpochRecord } from '../records.js';
import { write, type StateReader } from '../store.js';

/**
 * register_key_epoch: every member signs the pins and verification keys of a new ceremony's
 * keys. Epochs follow each other, and so do their activation heights; an epoch activates ahead
 * of the block that registers it, so every node holds its keys (on chain) before the switch.
 */
export function registerKeyEpoch(state: StateReader, body: RegisterKeyEpochBody, signers: ReadonlySet<MemberId>, context: TxContext): TxOutcome {
  requireSigners(
    signers,
    context.members.map((m) => m.id),
    'a key epoch (every member)',
  );
  if (state.get('keyEpoch', String(body.epoch)) !== undefined) throw new DuplicateError(`key epoch ${body.epoch} is already registered`);
  const counters = countersOf(state);
  if (body.epoch !== counters.latestKeyEpoch + 1) throw new KeyEpochOrderError(`key epoch ${body.epoch} does not follow the latest, ${counters.latestKeyEpoch}`);
  if (body.activationHeight <= context.height) {
    throw new KeyEpochOrderError(`key epoch ${body.epoch} would activate at height ${body.activationHeight}, not after this block (${context.height}): state a height ahead`);
  }
  const previous = state.get('keyEpoch', String(counters.latestKeyEpoch));
  if (previous !== undefined && body.activationHeight <= previous.activationHeight) {
    throw new KeyEpochOrderError(`key epoch ${body.epoch} would activate at height ${body.activationHeight}, not after epoch ${previous.epoch} (${previous.activationHeight})`);
  }
  const record: KeyEpochRecord = { epoch: body.epoch, pins: body.pins, height: context.height, activationHeight: body.activationHeight, verificationKeys: body.verificationKeys };
  return succeed(
    [write('keyEpoch', String(body.epoch), record), write('counters', COUNTERS_ID, { ...counters, latestKeyEpoch: body.epoch })],
    [{ type: 'key_epoch_registered', epoch: body.epoch, activationHeight: body.activationHeight }],
  );
}

/** The epoch new proofs are made under at `height`: the latest registered epoch activated by then (0 when none is). */
export function keyEpochInForce(state: StateReader, height: number): number {
  for (let epoch = countersOf(state).latestKeyEpoch; epoch >= 1; epoch--) {
    const record = state.get('keyEpoch', String(epoch));
    if (record !== undefined && record.activationHeight <= height) return epoch;
  }
  return 0;
}

/**
 * Refuses a proof under `epoch` at `height` unless the epoch is in force there, or is the one
 * just superseded and the switch is less than keyEpochGraceBlocks old (a statement proved just
 * before the switch still lands). Statements already on chain are not touched: they keep
 * verifying under the epoch they name, whose keys stay in the state.
 */
export function requireKeyEpochInForce(state: StateReader, epoch: KeyEpochRecord, height: number): void {
  const inForce = keyEpochInForce(state, height);
  if (epoch.epoch === inForce) return;
  if (epoch.epoch > inForce) throw new KeyEpochNotInForceError(epoch.epoch, inForce, `it activates at height ${epoch.activationHeight}`);
  const successor = state.get('keyEpoch', String(epoch.epoch + 1))!;
  if (epoch.epoch + 1 === inForce && height < successor.activationHeight + LIMITS.keyEpochGraceBlocks) return;
  throw new KeyEpochNotInForceError(epoch.epoch, inForce, `epoch ${epoch.epoch + 1} replaced it at height ${successor.activationHeight}, and proofs under it were taken for ${LIMITS.keyEpochGraceBlocks} blocks after that`);
}
