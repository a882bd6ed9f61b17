import type { MemberId } from '@consortium/p2p';
import {
  agreementIdOf,
  authenticateTx,
  decodeSettlementCbor,
  decodeSettlementTx,
  encodeSettlementCbor,
  encodeSettlementTx,
  type PrivateTransport,
  type SettlementMember,
  type SettlementTx,
} from '@consortium/settlement';
import { rateCommitment, tadigToField } from '@consortium/zkp';
import type { AgreementTerms, DirectedRates } from './types.js';

/**
 * Co-signing between the two parties of a two-party transaction (an agreement, a dispute
 * resolution), over the private `cosign` channel: one party signs and sends its signed envelope
 * (an agreement with the rate tables behind its commitments) to the other party's node only.
 * The receiver checks everything before it keeps anything: the parties, the signature, and for
 * an agreement that the tables and salts make exactly the commitments signed.
 */

const HEADER_MAX_BYTES = 512;
const BODY_MAX_BYTES = 64 * 1024;
const SERVICES = ['voice_mo', 'voice_mt', 'sms', 'data'] as const;

export type CosignKind = 'agreement' | 'resolution';

interface CosignHeader {
  readonly kind: CosignKind;
  /** The two parties, ascending. */
  readonly parties: readonly [MemberId, MemberId];
}

/** One party's signed proposal, as the other party's node receives it. */
export interface ReceivedCosign {
  readonly kind: CosignKind;
  readonly from: MemberId;
  readonly tx: SettlementTx;
  readonly terms: AgreementTerms | null;
}

/** Why a co-signing message was refused (the security event says it). */
export class CosignRefusedError extends Error {
  override readonly name = 'CosignRefusedError';
  constructor(readonly reason: 'malformed' | 'not_a_party' | 'bad_signature' | 'terms_mismatch' | 'wrong_kind', message: string) {
    super(message);
  }
}

export interface CosignOptions {
  readonly transport: PrivateTransport;
  readonly self: MemberId;
  readonly chainId: string;
  readonly members: readonly SettlementMember[];
  /** Stores a checked proposal; when it resolves the sender's send resolves. */
  readonly onProposal: (proposal: ReceivedCosign) => Promise<void>;
  readonly onRefused: (from: MemberId, error: CosignRefusedError) => void;
}

export class Cosigning {
  private readonly members: ReadonlyMap<MemberId, SettlementMember>;

  constructor(private readonly options: CosignOptions) {
    this.members = new Map(options.members.map((m) => [m.id, m]));
  }

  start(): void {
    this.options.transport.handlePrivate({
      authorize: (from, header) => this.authorize(from, header),
      deliver: async (from, header, body) => {
        let proposal: ReceivedCosign;
        try {
          proposal = this.check(from, header, body);
        } catch (error) {
          if (error instanceof CosignRefusedError) {
            this.options.transport.reportInvalid(from, 'malformed');
            this.options.onRefused(from, error);
          }
          throw error;
        }
        await this.options.onProposal(proposal);
      },
    });
  }

  /** Sends this node's signed envelope to the other party; resolves once that node stored it. */
  async send(kind: CosignKind, to: MemberId, tx: SettlementTx, terms: AgreementTerms | null, options: { readonly timeoutMs?: number } = {}): Promise<void> {
    const parties = [this.options.self, to].sort() as [MemberId, MemberId];
    const header = encodeSettlementCbor({ kind, parties } satisfies CosignHeader);
    const body = encodeSettlementCbor({ envelope: encodeSettlementTx(tx), terms });
    await this.options.transport.sendPrivate(to, header, body, options);
  }

  private authorize(from: MemberId, header: Uint8Array): boolean {
    try {
      const parsed = parseHeader(header);
      return parsed.parties.includes(from) && parsed.parties.includes(this.options.self) && from !== this.options.self;
    } catch (error) {
      if (error instanceof CosignRefusedError) this.options.onRefused(from, error);
      return false;
    }
  }

  private check(from: MemberId, headerBytes: Uint8Array, bodyBytes: Uint8Array): ReceivedCosign {
    const header = parseHeader(headerBytes);
    let decoded: { envelope?: unknown; terms?: unknown };
    let tx: SettlementTx;
    try {
      decoded = decodeSettlementCbor(bodyBytes, BODY_MAX_BYTES, 'co-signing message') as typeof decoded;
      if (!(decoded.envelope instanceof Uint8Array)) throw new Error('envelope must be bytes');
      tx = decodeSettlementTx(decoded.envelope);
    } catch (error) {
      throw new CosignRefusedError('malformed', `the co-signing message of ${from} does not decode: ${(error as Error).message}`);
    }
    const expectedType = header.kind === 'agreement' ? 'register_agreement' : 'resolve_dispute';
    if (tx.body.type !== expectedType) throw new CosignRefusedError('wrong_kind', `a ${header.kind} proposal must carry ${expectedType}, not ${tx.body.type}`);
    if (tx.signatures.length !== 1 || tx.signatures[0]!.member !== from) throw new CosignRefusedError('bad_signature', `a proposal of ${from} carries exactly ${from}'s signature`);
    try {
      authenticateTx(tx, this.members, this.options.chainId);
    } catch (error) {
      throw new CosignRefusedError('bad_signature', `the proposal's signature does not verify: ${(error as Error).message}`);
    }
    if (tx.body.type === 'register_agreement') {
      if (tx.body.members[0] !== header.parties[0] || tx.body.members[1] !== header.parties[1]) throw new CosignRefusedError('not_a_party', `the agreement is between ${tx.body.members.join(' and ')}, not the parties of the message`);
      const terms = termsFromWire(decoded.terms, agreementIdOf(tx.body));
      checkTerms(tx, terms, this.members);
      return { kind: 'agreement', from, tx, terms };
    }
    return { kind: 'resolution', from, tx, terms: null };
  }
}

function parseHeader(bytes: Uint8Array): CosignHeader {
  let value: { kind?: unknown; parties?: unknown };
  try {
    value = decodeSettlementCbor(bytes, HEADER_MAX_BYTES, 'co-signing header') as typeof value;
  } catch (error) {
    throw new CosignRefusedError('malformed', `the co-signing header does not decode: ${(error as Error).message}`);
  }
  const { kind, parties } = value;
  if (kind !== 'agreement' && kind !== 'resolution') throw new CosignRefusedError('malformed', `unknown co-signing kind ${JSON.stringify(kind)}`);
  if (!Array.isArray(parties) || parties.length !== 2 || typeof parties[0] !== 'string' || typeof parties[1] !== 'string' || !(parties[0] < parties[1])) {
    throw new CosignRefusedError('malformed', 'parties must be two member ids in ascending order');
  }
  return { kind, parties: [parties[0], parties[1]] };
}

/** The rate tables and salts must make exactly the commitments the proposer signed, per direction. */
function checkTerms(tx: SettlementTx, terms: AgreementTerms, members: ReadonlyMap<MemberId, SettlementMember>): void {
  if (tx.body.type !== 'register_agreement') return;
  const { body } = tx;
  if (terms.fromPeriod !== body.fromPeriod || terms.toPeriod !== body.toPeriod || terms.members[0] !== body.members[0] || terms.members[1] !== body.members[1]) {
    throw new CosignRefusedError('terms_mismatch', 'the terms name other members or periods than the signed agreement');
  }
  body.rateCommitments.forEach((signed, i) => {
    const direction = terms.directions[i]!;
    if (direction.creditor !== signed.creditor || direction.debtor !== signed.debtor) throw new CosignRefusedError('terms_mismatch', `terms direction ${i} is not ${signed.creditor} -> ${signed.debtor}`);
    const creditor = members.get(direction.creditor);
    const debtor = members.get(direction.debtor);
    if (creditor === undefined || debtor === undefined) throw new CosignRefusedError('terms_mismatch', 'the terms name a member not in genesis');
    let commitment: bigint;
    try {
      commitment = rateCommitment(tadigToField(creditor.tadig), tadigToField(debtor.tadig), { rates: direction.rates, salt: direction.salt });
    } catch (error) {
      throw new CosignRefusedError('terms_mismatch', `the rate table ${direction.creditor} -> ${direction.debtor} is not valid: ${(error as Error).message}`);
    }
    if (commitment !== signed.commitment) throw new CosignRefusedError('terms_mismatch', `the rate table ${direction.creditor} -> ${direction.debtor} does not make the signed commitment`);
  });
}

function termsFromWire(value: unknown, agreementId: Uint8Array): AgreementTerms {
  const fail = (what: string): never => {
    throw new CosignRefusedError('malformed', `the agreement's terms are malformed: ${what}`);
  };
  if (typeof value !== 'object' || value === null) return fail('missing');
  const raw = value as Record<string, unknown>;
  const members = raw.members;
  if (!Array.isArray(members) || members.length !== 2 || !members.every((m) => typeof m === 'string')) return fail('members');
  if (typeof raw.fromPeriod !== 'string' || typeof raw.toPeriod !== 'string') return fail('periods');
  if (!Array.isArray(raw.directions) || raw.directions.length !== 2) return fail('directions');
  const directions = raw.directions.map((d: unknown, i): DirectedRates => {
    if (typeof d !== 'object' || d === null) return fail(`directions[${i}]`);
    const { creditor, debtor, rates, salt } = d as Record<string, unknown>;
    if (typeof creditor !== 'string' || typeof debtor !== 'string' || typeof salt !== 'bigint' || typeof rates !== 'object' || rates === null) return fail(`directions[${i}]`);
    const table = rates as Record<string, unknown>;
    for (const service of SERVICES) if (typeof table[service] !== 'bigint') return fail(`directions[${i}].rates.${service}`);
    return { creditor, debtor, salt, rates: { voice_mo: table.voice_mo as bigint, voice_mt: table.voice_mt as bigint, sms: table.sms as bigint, data: table.data as bigint } };
  });
  return {
    agreementId: Buffer.from(agreementId).toString('hex'),
    members: [members[0] as string, members[1] as string],
    fromPeriod: raw.fromPeriod,
    toPeriod: raw.toPeriod,
    directions: [directions[0]!, directions[1]!],
  };
}
