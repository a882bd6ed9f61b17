import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { circuitDefinition } from '@consortium/circuits';
import {
  blockHash,
  decodeConsensusMessage,
  decodeTxBatch,
  DEFAULT_CONSENSUS_PARAMS,
  Ed25519Verifier,
  encodeConsensusMessage,
  encodeTxBatch,
  proposalSignBytes,
  toHex,
  txHash,
  txsHash,
  type Block,
  type ConsensusMessage,
  type InvalidMessageKind,
  type MessageChannel,
  type Transport,
} from '@consortium/consensus';
import {
  authenticateTx,
  decodeSettlementTx,
  encodeSettlementTx,
  generateUsage,
  recordsDigest,
  statementBody,
  statementIdOf,
  toSettlementBatch,
  usageBatchBody,
  wholesaleRateTable,
  type ProposeStatementBody,
} from '@consortium/settlement';
import { buildSettlementWitness, ensureTestKeys, randomSalt } from '@consortium/zkp';
import { negatedProof } from '../../src/chaos/byzantine-proofs.js';
import { ByzantineTransport } from '../../src/chaos/byzantine-transport.js';
import { counterByLabel, openSettlementApp, type SettlementAppUnderFuzz } from '../../src/fuzz/fixtures/settlement-app.js';
import { SETTLEMENT_CHAIN_ID, signedBy, type FuzzMember } from '../../src/fuzz/fixtures/settlement-txs.js';

/**
 * The chaos behaviour `invalid-proofs` in process, against the real thing it attacks: a real
 * SettlementApplication (LevelDB, a Groth16 verifier over settlement-4's test key) holding an
 * agreement and a usage batch, and a real proof of that batch. A Byzantine creditor's transport
 * rewrites its statement; the rewritten statement's signature is authentic and only its proof is
 * bad, so checkTx refuses it with the proof's own error and counts it, and a proposal carrying it
 * is refused. (On real processes: `npm run chaos -- --scenario invalid-proofs`.)
 */

const CIRCUIT = 'settlement-4';
const PERIOD = '2026-11';

/** Stands in for libp2p under the transport: records what the Byzantine transport hands it. */
class RecordingTransport implements Transport {
  readonly sent: { to: string; channel: MessageChannel; payload: Uint8Array }[] = [];
  readonly handlers = new Map<MessageChannel, (from: string, payload: Uint8Array) => void>();

  constructor(private readonly peers: readonly string[]) {}

  broadcast(channel: MessageChannel, payload: Uint8Array): void {
    for (const to of this.peers) this.send(to, channel, payload);
  }
  send(to: string, channel: MessageChannel, payload: Uint8Array): void {
    this.sent.push({ to, channel, payload });
  }
  request(): Promise<Uint8Array> {
    return Promise.reject(new Error('no requests in this test'));
  }
  onMessage(channel: MessageChannel, handler: (from: string, payload: Uint8Array) => void): void {
    this.handlers.set(channel, handler);
  }
  onRequest(): void {}
  connectedMembers(): readonly string[] {
    return this.peers;
  }
  reportInvalid(_from: string, _kind: InvalidMessageKind): void {}
}

let fixture: SettlementAppUnderFuzz;
let creditor: FuzzMember;
let debtor: FuzzMember;
/** The creditor's statement of its committed batch, with a valid proof, as its node gossips it. */
let statementTx: Uint8Array;

beforeAll(async () => {
  fixture = await openSettlementApp();
  // The fixture's block 1 settles between its first two members; this pair is its next two.
  [creditor, debtor] = [fixture.members[2]!, fixture.members[3]!];
  const keys = await ensureTestKeys(CIRCUIT);
  const batchSize = circuitDefinition(CIRCUIT).params.batchSize;
  const records = generateUsage({ creditor: creditor.tadig, debtor: debtor.tadig, period: PERIOD, firstId: 0n, count: batchSize, seed: 'byzantine-invalid-proofs' });
  const batch = toSettlementBatch(records, wholesaleRateTable(creditor.tadig, debtor.tadig, PERIOD, randomSalt()));
  const witness = buildSettlementWitness(batch, circuitDefinition(CIRCUIT).params);
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(witness.input, keys.wasmPath, keys.zkeyPath);
  const agreement = {
    type: 'register_agreement' as const,
    members: [creditor.id, debtor.id] as [string, string],
    fromPeriod: '2026-01',
    toPeriod: '2026-12',
    rateCommitments: [
      { creditor: creditor.id, debtor: debtor.id, commitment: witness.publicInputs.rateCommitment },
      { creditor: debtor.id, debtor: creditor.id, commitment: witness.publicInputs.rateCommitment + 1n },
    ] as const,
  };
  expect(creditor.id < debtor.id).toBe(true);
  const usage = usageBatchBody(batch, { creditor: creditor.id, debtor: debtor.id }, batchSize, recordsDigest(records));
  const { app } = fixture;
  const header = { chainId: SETTLEMENT_CHAIN_ID, height: 2, timeMs: Date.parse('2026-12-09T23:59:30Z'), proposer: creditor.id, previousBlockHash: new Uint8Array(32), lastCommitHash: new Uint8Array(32), txsHash: new Uint8Array(32), appHash: new Uint8Array(32) };
  const block = await app.finalizeBlock({ header, txs: [encodeSettlementTx(signedBy(agreement, [creditor, debtor])), encodeSettlementTx(signedBy(usage, [creditor]))] });
  expect(block.txResults.filter((result) => !result.ok)).toEqual([]);
  await app.commit();
  statementTx = encodeSettlementTx(signedBy(statementBody({ epoch: 1, circuit: CIRCUIT, proof, publicSignals }), [creditor]));
}, 600_000);

afterAll(async () => {
  await fixture?.close();
  // snarkjs's fullProve started the shared multi-threaded curve.
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

function byzantineCreditor(): { transport: ByzantineTransport; inner: RecordingTransport } {
  const inner = new RecordingTransport(['peer-1', 'peer-2', 'peer-3']);
  const transport = new ByzantineTransport(inner, { chainId: SETTLEMENT_CHAIN_ID, self: creditor.id, signer: creditor.signer, limits: DEFAULT_CONSENSUS_PARAMS, behaviours: new Set(['invalid-proofs']) });
  return { transport, inner };
}

const gossiped = (inner: RecordingTransport) => inner.sent.filter((frame) => frame.channel === 'tx').map((frame) => decodeTxBatch(frame.payload, DEFAULT_CONSENSUS_PARAMS));

describe('a Byzantine creditor sending invalid proofs (chaos behaviour invalid-proofs)', () => {
  it('negates A: the same x, the other y, still a point a verifier parses', () => {
    const proof = (decodeSettlementTx(statementTx).body as ProposeStatementBody).proof;
    const negated = negatedProof(proof);
    expect(negated.pi_a[0]).toBe(proof.pi_a[0]);
    expect(negated.pi_a[1]).not.toBe(proof.pi_a[1]);
    expect(negatedProof(negated)).toEqual(proof);
    expect({ ...negated, pi_a: proof.pi_a }).toEqual(proof);
  });

  it('gossips its statement with an invalid proof and an authentic signature; checkTx refuses it with ProofRejectedError and counts it', async () => {
    const { app, telemetry, securityEvents } = fixture;
    // The statement as proved passes checkTx: everything but the proof is right.
    expect(await app.checkTx(statementTx, 'new')).toEqual({ ok: true });
    const { transport, inner } = byzantineCreditor();
    transport.broadcast('tx', encodeTxBatch([statementTx]));
    const frames = gossiped(inner);
    expect(frames).toHaveLength(3);
    const [corrupted] = frames[0]!;
    for (const frame of frames) expect(frame).toEqual([corrupted]);
    const honest = decodeSettlementTx(statementTx);
    const rogue = decodeSettlementTx(corrupted!);
    // Signed again by the creditor: authentic; the same statement (its id leaves the proof out).
    expect(authenticateTx(rogue, new Map(fixture.members.map((m) => [m.id, { id: m.id, tadig: m.tadig, publicKey: m.publicKey }])), SETTLEMENT_CHAIN_ID).signers).toEqual(new Set([creditor.id]));
    const body = rogue.body as ProposeStatementBody;
    expect(toHex(statementIdOf(body.publicInputs, body.epoch, body.circuit))).toBe(toHex(statementIdOf((honest.body as ProposeStatementBody).publicInputs, 1, CIRCUIT)));
    expect({ ...body, proof: (honest.body as ProposeStatementBody).proof }).toEqual(honest.body);

    const refusedBefore = (await counterByLabel(telemetry, 'consortium_settlement_check_tx_refused_total', 'code')).get('invalid_proof') ?? 0;
    const invalidBefore = (await counterByLabel(telemetry, 'consortium_security_invalid_messages_total', 'kind')).get('invalid_proof') ?? 0;
    const verdictsBefore = (await counterByLabel(telemetry, 'consortium_zkp_verifications_total', 'outcome')).get('invalid') ?? 0;
    const result = await app.checkTx(corrupted!, 'new');
    expect(result).toMatchObject({ ok: false, code: 'invalid_proof' });
    expect(result.ok ? '' : result.log).toMatch(/^ProofRejectedError: the statement's proof is invalid: InvalidProofError: /);
    expect((await counterByLabel(telemetry, 'consortium_settlement_check_tx_refused_total', 'code')).get('invalid_proof')).toBe(refusedBefore + 1);
    expect((await counterByLabel(telemetry, 'consortium_security_invalid_messages_total', 'kind')).get('invalid_proof')).toBe(invalidBefore + 1);
    expect((await counterByLabel(telemetry, 'consortium_zkp_verifications_total', 'outcome')).get('invalid')).toBe(verdictsBefore + 1);
    expect(securityEvents.at(-1)).toMatchObject({ stage: 'check_tx', kind: 'invalid_proof', error: 'ProofRejectedError' });
    expect(transport.corruptedProofs()).toEqual({ statements: 1, txHashes: [toHex(txHash(corrupted!))], gossipedToPeers: 3, proposals: 0 });
  });

  it('passes on statements it did not sign alone and other transactions as they are', () => {
    const { transport, inner } = byzantineCreditor();
    const debtorsStatement = encodeSettlementTx(signedBy(decodeSettlementTx(statementTx).body, [debtor]));
    const other = encodeSettlementTx(signedBy({ type: 'close_period', period: PERIOD }, [creditor]));
    const frame = encodeTxBatch([debtorsStatement, other, new Uint8Array([1, 2, 3])]);
    transport.broadcast('tx', frame);
    expect(inner.sent.map((sent) => sent.payload)).toEqual([frame, frame, frame]);
    expect(transport.corruptedProofs()?.statements).toBe(0);
  });

  it('proposes a block carrying it once: re-signed and consistent, refused by processProposal; the next proposal carries it as proved', async () => {
    const { transport, inner } = byzantineCreditor();
    const txs = [statementTx];
    const block: Block = {
      header: { chainId: SETTLEMENT_CHAIN_ID, height: 3, timeMs: Date.parse('2026-12-10T00:00:00Z'), proposer: creditor.id, previousBlockHash: new Uint8Array(32), lastCommitHash: new Uint8Array(32), txsHash: txsHash(txs), appHash: new Uint8Array(32) },
      txs,
      lastCommit: null,
    };
    const proposalAt = (round: number) => {
      const proposal = { height: 3, round, polRound: -1, blockHash: blockHash(block), proposer: creditor.id };
      return encodeConsensusMessage({ kind: 'proposal', block, proposal: { ...proposal, signature: creditor.signer.sign(proposalSignBytes(SETTLEMENT_CHAIN_ID, proposal)) } });
    };
    const round0 = proposalAt(0);
    transport.broadcast('consensus', round0);
    // A relay of the same signed proposal goes out as the same rewritten one: never two versions.
    transport.send('peer-1', 'consensus', round0);
    const sent = inner.sent.map((frame) => frame.payload);
    expect(new Set(sent.map((payload) => toHex(payload))).size).toBe(1);
    const rewritten = decodeConsensusMessage(sent[0]!, DEFAULT_CONSENSUS_PARAMS) as Extract<ConsensusMessage, { kind: 'proposal' }>;
    expect(rewritten.block.txs).toHaveLength(1);
    expect(toHex(rewritten.block.txs[0]!)).not.toBe(toHex(statementTx));
    expect(toHex(rewritten.block.header.txsHash)).toBe(toHex(txsHash(rewritten.block.txs)));
    expect(toHex(rewritten.proposal.blockHash)).toBe(toHex(blockHash(rewritten.block)));
    expect(new Ed25519Verifier().verify(creditor.publicKey, proposalSignBytes(SETTLEMENT_CHAIN_ID, rewritten.proposal), rewritten.proposal.signature)).toBe(true);
    expect(await fixture.app.processProposal({ header: rewritten.block.header, txs: rewritten.block.txs })).toBe(false);
    expect(fixture.securityEvents.at(-1)).toMatchObject({ stage: 'proposal', kind: 'invalid_proof', error: 'ProofRejectedError' });
    expect(transport.corruptedProofs()?.proposals).toBe(1);

    // Its rewritten proposal relayed back by a peer does not reach its own node.
    const delivered: Uint8Array[] = [];
    transport.onMessage('consensus', (_from, payload) => delivered.push(payload));
    inner.handlers.get('consensus')!('peer-2', sent[0]!);
    inner.handlers.get('consensus')!('peer-2', round0);
    expect(delivered).toEqual([round0]);

    // Proposed again (another round), the statement goes out as proved, so it can commit.
    const round1 = proposalAt(1);
    transport.broadcast('consensus', round1);
    expect(inner.sent.slice(-3).map((frame) => frame.payload)).toEqual([round1, round1, round1]);
    expect(await fixture.app.processProposal({ header: block.header, txs: block.txs })).toBe(true);
  });
});
