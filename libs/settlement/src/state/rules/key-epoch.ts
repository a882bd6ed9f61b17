import type { MemberId } from '../../domain/types.js';
import { DuplicateError, KeyEpochOrderError } from '../../errors.js';
import type { RegisterKeyEpochBody } from '../../tx/types.js';
import { succeed, type TxContext, type TxOutcome } from '../context.js';
import { countersOf, COUNTERS_ID, requireSigners } from '../lookups.js';
import { write, type StateReader } from '../store.js';

/** register_key_epoch: every member signs the pins of a new ceremony's keys; epochs follow each other. */
export function registerKeyEpoch(state: StateReader, body: RegisterKeyEpochBody, signers: ReadonlySet<MemberId>, context: TxContext): TxOutcome {
  requireSigners(
    signers,
    context.members.map((m) => m.id),
    'a key epoch (every member)',
  );
  if (state.get('keyEpoch', String(body.epoch)) !== undefined) throw new DuplicateError(`key epoch ${body.epoch} is already registered`);
  const counters = countersOf(state);
  if (body.epoch !== counters.latestKeyEpoch + 1) throw new KeyEpochOrderError(`key epoch ${body.epoch} does not follow the latest, ${counters.latestKeyEpoch}`);
  return succeed(
    [write('keyEpoch', String(body.epoch), { epoch: body.epoch, pins: body.pins, height: context.height }), write('counters', COUNTERS_ID, { ...counters, latestKeyEpoch: body.epoch })],
    [{ type: 'key_epoch_registered', epoch: body.epoch }],
  );
}
