import {
  decodeSettlementCbor,
  decodeSettlementTx,
  encodeSettlementCbor,
  encodeSettlementTx,
  SETTLEMENT_LIMITS_TABLE,
  SettlementTxError,
  type SettlementTx,
  type SettlementTxBody,
} from '@consortium/settlement';
import fc from 'fast-check';
import { hostileBytes } from '../arbitraries/hostile.js';
import { mutatedTree } from '../arbitraries/tree.js';
import { counterByLabel, openSettlementApp, type SettlementAppUnderFuzz } from '../fixtures/settlement-app.js';
import { everyKindOfBody, plausibleTxs, signedBy, type FuzzMember } from '../fixtures/settlement-txs.js';
import { expectThat, FuzzPropertyError, VALID, type FuzzInput, type FuzzTarget, type Verdict } from '../target.js';

/**
 * Settlement transactions as a peer gossips them or a client submits them: bytes through a real
 * SettlementApplication's checkTx (decode, signatures, proof, state rules). Every refusal is a
 * SettlementTxError subclass (the decoder's own when the bytes do not decode), is counted in
 * consortium_security_invalid_messages_total under the error's kind (a refused proof by the
 * verifier instead) and reaches the node's security events. What decodes re-encodes to exactly
 * its bytes. Besides random and mutated bytes, mutated bodies are signed again, and well-formed
 * bodies with plausible values are signed, so they get past the signature check into the rules.
 */

const INVALID_MESSAGES = 'consortium_security_invalid_messages_total';

/** The transactions of every kind with the signers each needs, and which of them the state after block 1 accepts. */
async function candidates(subject: SettlementAppUnderFuzz): Promise<{ readonly all: SettlementTx[]; readonly accepted: Uint8Array[] }> {
  const [a, b, c, d] = subject.members as [FuzzMember, FuzzMember, FuzzMember, FuzzMember];
  const [agreementAb, batchAb, statement, accept, dispute, resolve, close, keyEpoch] = everyKindOfBody(a.id, b.id, subject.vkeyBytes);
  const [agreementCd] = everyKindOfBody(c.id < d.id ? c.id : d.id, c.id < d.id ? d.id : c.id, subject.vkeyBytes);
  const all: SettlementTx[] = [
    signedBy(agreementAb!, [a, b]),
    signedBy(agreementCd!, [c, d]),
    signedBy({ ...(batchAb as Extract<SettlementTxBody, { type: 'commit_usage_batch' }>), firstId: 4n }, [a]),
    signedBy(statement!, [a]),
    signedBy(accept!, [b]),
    signedBy(dispute!, [b]),
    signedBy(resolve!, [a, b]),
    signedBy({ ...(close as Extract<SettlementTxBody, { type: 'close_period' }>), period: '2026-10' }, [a]),
    signedBy(keyEpoch!, subject.members),
  ];
  const accepted: Uint8Array[] = [];
  // 'recheck': asking is no attack, so nothing is counted.
  for (const tx of all) if ((await subject.app.checkTx(encodeSettlementTx(tx), 'recheck')).ok) accepted.push(encodeSettlementTx(tx));
  if (accepted.length === 0) throw new Error('no transaction of the fuzz fixture is accepted: the seeds would all be refusals');
  return { all, accepted };
}

/** Mutated bodies signed again by some members: past the signature check, into the rules. */
function resignedBodies(bodies: readonly SettlementTxBody[], members: readonly FuzzMember[]): fc.Arbitrary<FuzzInput<Uint8Array>> {
  return fc.tuple(mutatedTree(bodies, 'cbor'), fc.subarray([...members], { minLength: 1, maxLength: 3 })).map(([body, signers]) => {
    try {
      return { origin: 'mutated' as const, value: encodeSettlementTx(signedBy(body as SettlementTxBody, signers)) };
    } catch {
      return { origin: 'mutated' as const, value: encodeSettlementCbor({ body: null, signatures: [] }) };
    }
  });
}

function countsByKind(subject: SettlementAppUnderFuzz): Promise<Map<string, number>> {
  return counterByLabel(subject.telemetry, INVALID_MESSAGES, 'kind');
}

async function check(subject: SettlementAppUnderFuzz, bytes: Uint8Array): Promise<Verdict> {
  let decodeError: SettlementTxError | null = null;
  try {
    const decoded = decodeSettlementTx(bytes);
    expectThat(Buffer.from(encodeSettlementTx(decoded)).equals(bytes), 'a decoded settlement transaction does not encode to the bytes it came from');
  } catch (error) {
    if (!(error instanceof SettlementTxError)) throw new FuzzPropertyError(`decodeSettlementTx threw ${String(error)}, not a SettlementTxError`, { cause: error });
    decodeError = error;
  }
  const countedBefore = await countsByKind(subject);
  const eventsBefore = subject.securityEvents.length;
  const result = await subject.app.checkTx(bytes, 'new');
  const events = subject.securityEvents.slice(eventsBefore);
  if (result.ok) {
    expectThat(decodeError === null, `checkTx accepted bytes decodeSettlementTx refuses (${decodeError?.name})`);
    expectThat(events.length === 0, 'an accepted transaction was reported as a security event');
    return VALID;
  }
  expectThat(events.length === 1, `a refused transaction made ${events.length} security events (code ${result.code})`);
  const event = events[0]!;
  if (decodeError !== null) expectThat(event.error === decodeError.name, `checkTx refused undecodable bytes with ${event.error}, the decoder with ${decodeError.name}`);
  const countedAfter = await countsByKind(subject);
  const moved = (kind: string) => (countedAfter.get(kind) ?? 0) - (countedBefore.get(kind) ?? 0);
  // A refused proof is counted by the verifier (invalid_proof, or malformed for a proof it cannot
  // read); every other refusal by the application under its kind. (A statement refused by a rule
  // whose proof the verifier also refused is counted by both: two faults, two counts.)
  if (event.error === 'ProofRejectedError') expectThat(moved('invalid_proof') + moved('malformed') >= 1, 'a refused proof was not counted');
  else expectThat(moved(event.kind) >= 1, `a refusal (${event.error}) was not counted under ${event.kind} in ${INVALID_MESSAGES}`);
  return { outcome: 'refused', refusal: event.error };
}

export const settlementTxTarget: FuzzTarget<Uint8Array> = {
  name: 'settlement-tx',
  description: "settlement transactions through a real SettlementApplication's checkTx; a SettlementTxError subclass, counted under its kind and reported as a security event",
  async open() {
    const subject = await openSettlementApp();
    const { all, accepted } = await candidates(subject);
    const values = all.map((tx) => decodeSettlementCbor(encodeSettlementTx(tx), Number.MAX_SAFE_INTEGER, 'seed'));
    const inputs = fc.oneof(
      { weight: 3, arbitrary: hostileBytes({ seeds: accepted, structured: { values, mode: 'cbor', encode: encodeSettlementCbor }, maxBytes: SETTLEMENT_LIMITS_TABLE.txMaxBytes }) },
      { weight: 2, arbitrary: resignedBodies(all.map((tx) => tx.body), subject.members) },
      { weight: 1, arbitrary: plausibleTxs(subject.members, subject.vkeyBytes).map((tx) => ({ origin: 'mutated' as const, value: encodeSettlementTx(tx) })) },
    );
    return { inputs, check: ({ value }) => check(subject, value), close: () => subject.close() };
  },
};
