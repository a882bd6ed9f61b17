import type { MemberId } from '../../domain/types.js';
import { DuplicateError, PeriodClosedError, UnknownMemberError } from '../../errors.js';
import type { RegisterAgreementBody } from '../../tx/types.js';
import { agreementIdOf, pairIdOf, succeed, toHex, type TxContext, type TxOutcome } from '../context.js';
import { countersOf, requireSigners } from '../lookups.js';
import type { StateReader } from '../store.js';
import { write } from '../store.js';

/** register_agreement: both parties sign; a later agreement of the pair is in force from its fromPeriod on. */
export function registerAgreement(state: StateReader, body: RegisterAgreementBody, signers: ReadonlySet<MemberId>, context: TxContext): TxOutcome {
  body.members.forEach((member, i) => {
    if (!context.members.some((m) => m.id === member)) throw new UnknownMemberError(`body.members[${i}]`, member);
  });
  requireSigners(signers, body.members, 'an agreement');
  const id = toHex(agreementIdOf(body));
  if (state.get('agreement', id) !== undefined) throw new DuplicateError(`agreement ${id} is already registered`);
  // A closed period's statements were checked against the agreement then in force; re-pricing it is refused.
  const closed = countersOf(state).closedPeriods.find((p) => body.fromPeriod <= p && p <= body.toPeriod);
  if (closed !== undefined) throw new PeriodClosedError(closed);
  const pairId = pairIdOf(body.members[0], body.members[1]);
  const ids = state.get('pairAgreements', pairId)?.ids ?? [];
  return succeed(
    [
      write('agreement', id, { id, members: body.members, fromPeriod: body.fromPeriod, toPeriod: body.toPeriod, rateCommitments: body.rateCommitments, height: context.height }),
      write('pairAgreements', pairId, { ids: [...ids, id] }),
    ],
    [{ type: 'agreement_registered', agreementId: id, members: body.members }],
  );
}
