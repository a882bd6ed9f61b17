import { Ed25519Signer, generateEd25519KeyPair, toHex } from '@consortium/consensus';
import { generateNodeKey, P2PNode, peerIdOf, PrivateMessageRefusedError } from '@consortium/p2p';
import { agreementIdOf, assembleTx, signTxBody, type RegisterAgreementBody, type SettlementMember, type SettlementTx } from '@consortium/settlement';
import { rateCommitment, tadigToField } from '@consortium/zkp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cosigning, type CosignRefusedError, type ReceivedCosign } from '../../src/settlement/cosign.js';
import { PrivateChannels } from '../../src/settlement/private-channels.js';
import type { AgreementTerms } from '../../src/settlement/types.js';

/**
 * Co-signing between real P2PNodes on loopback: a party's node keeps a proposal only when it is
 * addressed to it by the other party, carries that party's valid signature, and its rate tables
 * make exactly the signed commitments. Everything else is refused before anything is kept, and
 * reported.
 */
const CHAIN_ID = 'cosign-e2e';
const PEOPLE = [
  { id: 'Orange-FR', tadig: 'FRAF1' },
  { id: 'SFR-FR', tadig: 'FRAF2' },
  { id: 'Telenor-NO', tadig: 'NORTM' },
] as const;
const RATES = { voice_mo: 19n, voice_mt: 10n, sms: 4n, data: 1_800n };

interface Party {
  readonly id: string;
  readonly signer: Ed25519Signer;
  readonly node: P2PNode;
  readonly cosigning: Cosigning;
  readonly kept: ReceivedCosign[];
  readonly refused: { from: string; error: CosignRefusedError }[];
}

let parties: Party[];
let members: SettlementMember[];

beforeAll(async () => {
  const keys = await Promise.all(PEOPLE.map(async () => ({ node: await generateNodeKey(), member: generateEd25519KeyPair() })));
  members = PEOPLE.map((p, i) => ({ id: p.id, tadig: p.tadig, publicKey: keys[i]!.member.publicKey }));
  const nodes = await Promise.all(
    PEOPLE.map(async (p, i) =>
      P2PNode.create({
        memberId: p.id,
        privateKey: keys[i]!.node,
        listenAddresses: ['/ip4/127.0.0.1/tcp/0'],
        members: PEOPLE.map((q, j) => ({ id: q.id, peerId: peerIdOf(keys[j]!.node) })),
        metrics: null,
        logger: null,
      }),
    ),
  );
  parties = PEOPLE.map((p, i) => {
    const kept: ReceivedCosign[] = [];
    const refused: { from: string; error: CosignRefusedError }[] = [];
    const channels = new PrivateChannels(nodes[i]!);
    const cosigning = new Cosigning({
      transport: channels.channel('cosign'),
      self: p.id,
      chainId: CHAIN_ID,
      members,
      onProposal: (proposal) => {
        kept.push(proposal);
        return Promise.resolve();
      },
      onRefused: (from, error) => refused.push({ from, error }),
    });
    cosigning.start();
    channels.start();
    return { id: p.id, signer: new Ed25519Signer(keys[i]!.member), node: nodes[i]!, cosigning, kept, refused };
  });
  await Promise.all(nodes.map(async (node) => node.start()));
  for (const node of nodes) for (const other of nodes) if (other !== node) await node.dial(other.listenAddresses()[0]!, 30_000);
}, 120_000);

afterAll(async () => {
  await Promise.all(parties.map(async (p) => p.node.stop()));
});

/** A's proposal to B: both directions' tables, salted and committed, signed by `signer` (A unless forged). */
function proposal(a: Party, b: Party, options: { readonly signer?: Party; readonly tamperRate?: boolean } = {}): { tx: SettlementTx; terms: AgreementTerms } {
  const parties2 = [a.id, b.id].sort() as [string, string];
  const tadigOf = (id: string) => tadigToField(members.find((m) => m.id === id)!.tadig);
  const directions = parties2.map((creditor) => ({ creditor, debtor: creditor === parties2[0] ? parties2[1] : parties2[0], rates: RATES, salt: 12_345n })) as unknown as AgreementTerms['directions'];
  const body: RegisterAgreementBody = {
    type: 'register_agreement',
    members: parties2,
    fromPeriod: '2026-01',
    toPeriod: '2026-12',
    rateCommitments: directions.map((d) => ({ creditor: d.creditor, debtor: d.debtor, commitment: rateCommitment(tadigOf(d.creditor), tadigOf(d.debtor), { rates: d.rates, salt: d.salt }) })) as unknown as RegisterAgreementBody['rateCommitments'],
  };
  const signer = options.signer ?? a;
  const tx = assembleTx(body, [{ ...signTxBody(CHAIN_ID, body, signer.id, signer.signer), member: a.id }]);
  const shown = options.tamperRate === true ? ([{ ...directions[0], rates: { ...RATES, data: RATES.data - 1n } }, directions[1]] as unknown as AgreementTerms['directions']) : directions;
  return { tx, terms: { agreementId: toHex(agreementIdOf(body)), members: parties2, fromPeriod: body.fromPeriod, toPeriod: body.toPeriod, directions: shown } };
}

describe('co-signing between the two parties of an agreement', () => {
  it("keeps the other party's proposal with its rate tables", async () => {
    const [a, b] = parties as [Party, Party];
    const { tx, terms } = proposal(a, b);
    await a.cosigning.send('agreement', b.id, tx, terms);
    expect(b.kept).toHaveLength(1);
    expect(b.kept[0]).toMatchObject({ kind: 'agreement', from: a.id, terms: { agreementId: terms.agreementId } });
    expect(b.kept[0]!.terms!.directions[0].rates).toEqual(RATES);
  });

  it('refuses tables that do not make the signed commitments, and a signature by someone else, keeping nothing', async () => {
    const [a, b, c] = parties as [Party, Party, Party];
    const before = b.kept.length;
    const tampered = proposal(a, b, { tamperRate: true });
    const error = await a.cosigning.send('agreement', b.id, tampered.tx, tampered.terms).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PrivateMessageRefusedError);
    expect(b.refused.at(-1)).toMatchObject({ from: a.id, error: { reason: 'terms_mismatch' } });
    // A's proposal, but signed with C's key under A's name.
    const forged = proposal(a, b, { signer: c });
    await expect(a.cosigning.send('agreement', b.id, forged.tx, forged.terms)).rejects.toBeInstanceOf(PrivateMessageRefusedError);
    expect(b.refused.at(-1)).toMatchObject({ from: a.id, error: { reason: 'bad_signature' } });
    expect(b.kept).toHaveLength(before);
  });

  it('refuses a proposal relayed by a member that is not a party, keeping nothing', async () => {
    const [a, b, c] = parties as [Party, Party, Party];
    const before = b.kept.length;
    // C sends A's genuine proposal for the pair (A, B) to B: C is not a party of it.
    const { tx, terms } = proposal(a, b);
    const error = await c.cosigning.send('agreement', b.id, tx, terms).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PrivateMessageRefusedError);
    expect(b.refused.at(-1)).toMatchObject({ from: c.id, error: { reason: 'bad_signature' } });
    expect(b.kept).toHaveLength(before);
  });
});
