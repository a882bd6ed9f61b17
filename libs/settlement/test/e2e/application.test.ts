import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockHeader, Genesis } from '@consortium/consensus';
import { Groth16Verifier, publicSignalsOf, randomSalt, VerificationKeys, type RateTable, type SettlementBatch, type SettlementProof } from '@consortium/zkp';
import type { VerificationKey } from 'snarkjs';
import {
  getNetting,
  getStatement,
  netMultilateral,
  SettlementApplication,
  statementBody,
  statementIdOf,
  type ProposeStatementBody,
  type StatementProofVerifier,
} from '../../src/index.js';
import { acceptBody, agreementBody, closeBody, disputeBody, resolveBody } from '../support/bodies.js';
import { hexId } from '../support/chain.js';
import { CHAIN_ID, testMembers, type TestMember } from '../support/members.js';
import { CIRCUIT, genesisArtifactsOf, prove, releaseSnarkjs, rerandomise, testKeys } from '../support/proofs.js';
import { batchTx, commitmentOf, Consortium, EU_RATES, rateTable, tx, usage } from '../support/consortium.js';

/**
 * The settlement application on real LevelDB (temp folders) with real Groth16 proofs of the
 * test circuit settlement-4, verified by @consortium/zkp's verifier. Several applications stand
 * for the nodes of a consortium: they execute the same blocks and must agree on every result
 * and app hash, across a restart and a snapshot restore.
 */

let root: string;
let genesisArtifacts: Record<string, string>;
let verifier: Groth16Verifier;
/** Proofs handed to the verifier, by call: a block's statements go in one batch. */
const verifierCalls: { readonly kind: 'single' | 'batch'; readonly proofs: number }[] = [];
const countingVerifier: StatementProofVerifier = {
  verify: (proof: SettlementProof) => {
    verifierCalls.push({ kind: 'single', proofs: 1 });
    return verifier.verify(proof);
  },
  verifyBatch: (proofs: readonly SettlementProof[]) => {
    verifierCalls.push({ kind: 'batch', proofs: proofs.length });
    return verifier.verifyBatch(proofs);
  },
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'settlement-app-'));
  const keys = await testKeys();
  genesisArtifacts = await genesisArtifactsOf(keys);
  const registry = new VerificationKeys();
  registry.add(1, CIRCUIT, keys.vkey as unknown as VerificationKey);
  verifier = new Groth16Verifier(registry, { metrics: null, security: null, tracer: null });
}, 600_000);

afterAll(async () => {
  await verifier?.close();
  await releaseSnarkjs();
  await rm(root, { recursive: true, force: true });
});

function genesisOf(members: readonly TestMember[]): Pick<Genesis, 'chainId' | 'members' | 'artifacts'> {
  return {
    chainId: CHAIN_ID,
    members: members.map((m) => ({ id: m.id, operator: m.id, tadig: m.tadig, publicKey: m.publicKey, peerId: `peer-${m.id}`, votingPower: 1 })),
    artifacts: genesisArtifacts,
  };
}

let folders = 0;
async function openApp(members: readonly TestMember[], directory = join(root, `node-${++folders}`)): Promise<SettlementApplication> {
  return SettlementApplication.open({ directory, genesis: genesisOf(members), verifier: countingVerifier });
}

async function statementTx(batch: SettlementBatch): Promise<ProposeStatementBody> {
  const { publicInputs, proof } = await prove(batch);
  const body = statementBody({ epoch: 1, circuit: CIRCUIT, proof, publicSignals: publicSignalsOf(publicInputs) });
  expect(body.publicInputs).toEqual(publicInputs);
  return body;
}

describe.each([4, 5, 7] as const)('the settlement application with %i members', (count) => {
  it('settles a period with real proofs on every node alike, survives a restart and restores a snapshot', async () => {
    const members = testMembers(count);
    const [a, b, c] = [...members].sort((x, y) => (x.id < y.id ? -1 : 1)) as [TestMember, TestMember, TestMember];
    const apps = [await openApp(members), await openApp(members)];
    const chain = new Consortium(apps);
    expect(await apps[0]!.info()).toEqual(await apps[1]!.info());

    // both parties sign the agreement; one rate table per direction
    const [tableAB, tableBA] = [rateTable(), rateTable()];
    const agreement = agreementBody(a.id, b.id, { commitments: [commitmentOf(a, b, tableAB), commitmentOf(b, a, tableBA)] });
    // each creditor commits a batch
    const batchAB = usage(a, b, tableAB, 0n, [1_500n, 125n, 3n, 60n]);
    const batchBA = usage(b, a, tableBA, 0n, [800n, 300n, 10n, 0n]);
    let results = await chain.block([tx(agreement, a, b), tx(batchTx(a, b, batchAB), a), tx(batchTx(b, a, batchBA), b)]);
    expect(results.txResults.map((r) => r.ok)).toEqual([true, true, true]);

    // the creditors propose statements: checkTx verifies each proof, the block verifies them in one batch
    const statementAB = await statementTx(batchAB);
    const statementBA = await statementTx(batchBA);
    expect(await apps[0]!.checkTx(tx(statementAB, a), 'new')).toEqual({ ok: true });
    verifierCalls.length = 0;
    const blockTxs = [tx(statementAB, a), tx(statementBA, b)];
    for (const app of apps) {
      // a node that did not see the transactions before verifies the block's proofs together
      expect(await app.prepareProposal({ height: chain.height + 1, txs: blockTxs, maxBytes: 1 << 20 })).toEqual(blockTxs);
    }
    expect(verifierCalls.filter((call) => call.kind === 'batch').length).toBeGreaterThan(0);
    results = await chain.block(blockTxs);
    expect(results.txResults.map((r) => r.ok)).toEqual([true, true]);
    const idAB = statementIdOf(statementAB.publicInputs, 1, CIRCUIT);
    const idBA = statementIdOf(statementBA.publicInputs, 1, CIRCUIT);

    // a re-randomised proof of the same statement is valid, and the same statement: a duplicate
    const mauled = { ...statementAB, proof: await rerandomise(statementAB.proof) };
    expect(JSON.stringify(mauled.proof)).not.toBe(JSON.stringify(statementAB.proof));
    expect((await verifier.verify({ epoch: 1, circuit: CIRCUIT, proof: mauled.proof, publicSignals: publicSignalsOf(mauled.publicInputs) })).outcome).toBe('valid');
    expect(await apps[0]!.checkTx(tx(mauled, a), 'new')).toMatchObject({ ok: false, code: 'duplicate' });

    // a statement claiming one more minor unit than its proof proves: refused before the mempool, and a block with it is refused
    const inflated = { ...statementBA, publicInputs: { ...statementBA.publicInputs, total: statementBA.publicInputs.total + 1n } };
    expect(await apps[0]!.checkTx(tx(inflated, b), 'new')).toMatchObject({ ok: false, code: 'invalid_proof' });
    const header = { chainId: CHAIN_ID, height: chain.height + 1, timeMs: chain.timeMs + 1 } as BlockHeader;
    expect(await apps[1]!.processProposal({ header, txs: [tx(acceptBody(idAB), b), tx(inflated, b)] })).toBe(false);
    expect(await apps[1]!.processProposal({ header, txs: [new Uint8Array([1, 2, 3])] })).toBe(false);
    // had such a block been decided anyway, every node refuses the statement and applies the rest
    results = await chain.block([tx(inflated, b), new Uint8Array([1, 2, 3])], { decided: true });
    expect(results.txResults.map((r) => r.code)).toEqual(['invalid_proof', 'malformed']);

    // b accepts a's statement; a disputes b's, and both resolve it at an agreed total
    results = await chain.block([tx(acceptBody(idAB), b), tx(disputeBody(idBA, 'two SMS records were sent twice'), a)]);
    expect(results.txResults.map((r) => r.ok)).toEqual([true, true]);
    const agreedBA = statementBA.publicInputs.total - 2n * EU_RATES.sms;
    // a third party cannot close the period yet: b's batch has no settled statement
    results = await chain.block([tx(closeBody(), c)]);
    expect(results.txResults[0]).toMatchObject({ ok: false, code: 'period_unsettled' });
    results = await chain.block([tx(resolveBody(idBA, agreedBA), a, b)]);
    expect(results.txResults[0]?.ok).toBe(true);

    // a second batch of a -> b is disputed for its rates; a new agreement from November on supersedes the table, and the new statement replaces the disputed one
    const batch2 = usage(a, b, tableAB, 4n, [2_000n, 100n, 2n, 30n]);
    const overlapping = usage(a, b, tableAB, 2n, [1n, 1n, 1n, 1n]);
    results = await chain.block([tx(batchTx(a, b, overlapping), a), tx(batchTx(a, b, batch2), a)]);
    expect(results.txResults.map((r) => r.code ?? 'ok')).toEqual(['batch_range', 'ok']);
    const statement2 = await statementTx(batch2);
    await chain.block([tx(statement2, a)]);
    const id2 = statementIdOf(statement2.publicInputs, 1, CIRCUIT);
    await chain.block([tx({ ...disputeBody(id2, 'the November voice rate was lowered'), reasonCode: 'wrong_rates' }, b)]);
    const lowered: RateTable = { rates: { ...EU_RATES, voice_mo: 300n }, salt: randomSalt() };
    const newAgreement = agreementBody(a.id, b.id, { fromPeriod: '2026-11', toPeriod: '2027-12', commitments: [commitmentOf(a, b, lowered), commitmentOf(b, a, tableBA)] });
    await chain.block([tx(newAgreement, a, b)]);
    const repriced = await statementTx({ ...batch2, rateTable: lowered });
    const batch3 = usage(a, b, lowered, 8n, [10n, 20n, 30n, 40n]);
    results = await chain.block([tx(repriced, a), tx(batchTx(a, b, batch3), a)]);
    expect(results.txResults.map((r) => r.ok)).toEqual([true, true]);
    const idRepriced = statementIdOf(repriced.publicInputs, 1, CIRCUIT);
    expect(getStatement(apps[0]!.state, hexId(id2), { kind: 'member', member: b.id })).toMatchObject({ state: 'superseded', supersededBy: hexId(idRepriced) });
    // the superseded table no longer proves a November statement, though its proof is valid
    expect(await apps[0]!.checkTx(tx(await statementTx({ ...batch3, rateTable: tableAB }), a), 'new')).toMatchObject({ ok: false, code: 'statement_mismatch' });
    const statement3 = await statementTx(batch3);
    await chain.block([tx(statement3, a)]);
    const id3 = statementIdOf(statement3.publicInputs, 1, CIRCUIT);
    await chain.block([tx(acceptBody(idRepriced), b), tx(acceptBody(id3), b)]);

    // any member closes the period; the netting equals an independent computation
    results = await chain.block([tx(closeBody(), c)]);
    expect(results.txResults[0]?.ok).toBe(true);
    const owedByB = statementAB.publicInputs.total + repriced.publicInputs.total + statement3.publicInputs.total;
    const expectedNet = owedByB - agreedBA;
    const netting = getNetting(apps[0]!.state, '2026-11')!;
    expect(netting.payments).toEqual(expectedNet > 0n ? [{ from: b.id, to: a.id, amount: expectedNet }] : [{ from: a.id, to: b.id, amount: -expectedNet }]);
    expect(netting.payments).toEqual(
      netMultilateral(
        members.map((m) => m.id),
        [
          { creditor: a.id, debtor: b.id, amount: owedByB },
          { creditor: b.id, debtor: a.id, amount: agreedBA },
        ],
      ).payments,
    );
    expect(getNetting(apps[1]!.state, '2026-11')).toEqual(netting);

    // the public view hides the pair's figures from a third member; the parties see them
    expect(getStatement(apps[0]!.state, hexId(idAB), { kind: 'member', member: c.id })).toMatchObject({ publicInputs: null, proof: null });
    expect(getStatement(apps[0]!.state, hexId(idAB), { kind: 'member', member: a.id })?.publicInputs?.total).toBe(statementAB.publicInputs.total);

    // restart: the database holds the committed height, hash and state
    const info = await apps[0]!.info();
    const snapshot = await apps[0]!.snapshot();
    const directory = join(root, `node-${folders - 1}`);
    await apps[0]!.close();
    const reopened = await openApp(members, directory);
    expect(await reopened.info()).toEqual(info);
    expect(await reopened.snapshot()).toEqual(snapshot);
    // a fresh node restored from the snapshot agrees too, and all go on alike
    const restored = await openApp(members);
    await restored.restore(snapshot, info.lastHeight);
    expect(await restored.info()).toEqual(info);
    chain.apps.splice(0, 1, reopened);
    chain.apps.push(restored);
    const next = usage(a, b, tableAB, 0n, [1n, 2n, 3n, 4n]);
    results = await chain.block([tx(batchTx(a, b, { ...next, period: '2026-12' }), a)]);
    expect(results.txResults[0]?.ok).toBe(true);
    // the whole state, not only the app hash chain.block compares
    expect(await restored.snapshot()).toEqual(await reopened.snapshot());
    for (const app of chain.apps) await app.close();
  });
});
