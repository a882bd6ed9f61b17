import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Genesis } from '@consortium/consensus';
import { circuitDefinition } from '@consortium/circuits';
import { buildSettlementWitness, contributePhase2, publicSignalsOf, exportVerificationKey, Groth16Verifier, VerificationKeys, type SettlementBatch, type TestKeys, type VerificationKey } from '@consortium/zkp';
import { keyEpochInForce, SettlementApplication, statementBody, statementIdOf, statementProof, type RegisterKeyEpochBody } from '../../src/index.js';
import { agreementBody } from '../support/bodies.js';
import { hexId } from '../support/chain.js';
import { batchTx, commitmentOf, Consortium, rateTable, tx, usage } from '../support/consortium.js';
import { CHAIN_ID, testMembers, type TestMember } from '../support/members.js';
import { CIRCUIT, genesisArtifactsOf, releaseSnarkjs, testKeys } from '../support/proofs.js';

/**
 * Key rotation on real keys: genesis pins epoch 1 (settlement-4's test keys); a later ceremony's
 * keys (one more phase 2 contribution on them: a new delta, so proofs of one epoch do not verify
 * under the other) are registered as epoch 2 from a stated height. Every node learns epoch 2's
 * verification key from the chain, also after a restart and on a node that replays the chain.
 */

interface EpochFiles {
  readonly wasmPath: string;
  readonly zkeyPath: string;
  readonly vkeyBytes: Uint8Array;
}

let root: string;
let epoch1: TestKeys;
let epoch2: EpochFiles;
let genesisArtifacts: Record<string, string>;

const sha256Of = async (path: string) => new Uint8Array(createHash('sha256').update(await readFile(path)).digest());

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'settlement-rotation-'));
  epoch1 = await testKeys();
  genesisArtifacts = await genesisArtifactsOf(epoch1);
  const zkeyPath = join(root, 'epoch-2.zkey');
  await contributePhase2(epoch1.zkeyPath, zkeyPath, 'the second ceremony');
  const vkeyBytes = new TextEncoder().encode(JSON.stringify(await exportVerificationKey(zkeyPath), null, 1));
  await writeFile(join(root, 'epoch-2.vkey.json'), vkeyBytes);
  epoch2 = { wasmPath: epoch1.wasmPath, zkeyPath, vkeyBytes };
}, 600_000);

afterAll(async () => {
  await releaseSnarkjs();
  await rm(root, { recursive: true, force: true });
});

/** A node: its application, over a verifier whose registry starts with the genesis epoch's key from its file, as apps/node loads it. */
async function openNode(members: readonly TestMember[], directory: string) {
  const registry = new VerificationKeys();
  registry.add(1, CIRCUIT, epoch1.vkey as unknown as VerificationKey);
  const verifier = new Groth16Verifier(registry, { metrics: null, security: null, tracer: null });
  const genesis: Pick<Genesis, 'chainId' | 'members' | 'artifacts'> = {
    chainId: CHAIN_ID,
    members: members.map((m) => ({ id: m.id, operator: m.id, tadig: m.tadig, publicKey: m.publicKey, peerId: `peer-${m.id}`, votingPower: 1 })),
    artifacts: genesisArtifacts,
  };
  const app = await SettlementApplication.open({ directory, genesis, verifier, keyRegistry: registry });
  return { app, registry, verifier, close: async () => Promise.all([app.close(), verifier.close()]) };
}

async function proveUnder(epoch: number, files: Pick<EpochFiles, 'wasmPath' | 'zkeyPath'>, batch: SettlementBatch) {
  const witness = buildSettlementWitness(batch, circuitDefinition(CIRCUIT).params);
  const { proof } = await snarkjs.groth16.fullProve(witness.input, files.wasmPath, files.zkeyPath);
  return statementBody({ epoch, circuit: CIRCUIT, proof, publicSignals: publicSignalsOf(witness.publicInputs) });
}

async function epoch2Body(activationHeight: number): Promise<RegisterKeyEpochBody> {
  return {
    type: 'register_key_epoch',
    epoch: 2,
    activationHeight,
    pins: [{ circuit: CIRCUIT, zkey: await sha256Of(epoch2.zkeyPath), wasm: await sha256Of(epoch2.wasmPath), vkey: await sha256Of(join(root, 'epoch-2.vkey.json')) }],
    verificationKeys: [epoch2.vkeyBytes],
  };
}

describe('a key rotation among five members, on real keys', () => {
  it('registers epoch 2 signed by all, switches at the stated height, and keeps epoch 1 statements verifiable', async () => {
    const members = testMembers(5);
    const [a, b] = [...members].sort((x, y) => (x.id < y.id ? -1 : 1)) as [TestMember, TestMember];
    const nodes = [await openNode(members, join(root, 'node-1')), await openNode(members, join(root, 'node-2'))];
    const consortium = new Consortium(nodes.map((node) => node.app));
    // every block, to replay the chain on a node that joins later
    const blocks: Uint8Array[][] = [];
    const chain = {
      get height() {
        return consortium.height;
      },
      block: (txs: Uint8Array[]) => {
        blocks.push(txs);
        return consortium.block(txs);
      },
    };

    const [tableAB, tableBA] = [rateTable(), rateTable()];
    const batches = [0n, 4n, 8n].map((firstId) => usage(a, b, tableAB, firstId, [100n + firstId, 10n, 1n, 5n]));
    let results = await chain.block([tx(agreementBody(a.id, b.id, { commitments: [commitmentOf(a, b, tableAB), commitmentOf(b, a, tableBA)] }), a, b), ...batches.map((batch) => tx(batchTx(a, b, batch), a))]);
    expect(results.txResults.every((r) => r.ok)).toBe(true);

    // block 2 registers epoch 2 from height 5; a body signed by four of the five is refused
    const activation = 5;
    const register = await epoch2Body(activation);
    results = await chain.block([tx(register, ...members.slice(1)), tx(register, ...members)]);
    expect(results.txResults.map((r) => r.code ?? 'ok')).toEqual(['missing_signature', 'ok']);
    // every node now verifies epoch 2's proofs, from the key the chain carries
    for (const node of nodes) expect(node.registry.get(2, CIRCUIT)).toEqual(JSON.parse(new TextDecoder().decode(epoch2.vkeyBytes)));

    // block 3: epoch 1 is in force, epoch 2 is not yet
    const underEpoch1 = await proveUnder(1, epoch1, batches[0]!);
    const early = await proveUnder(2, epoch2, batches[1]!);
    // a proof made with one epoch's keys does not verify under the other's
    expect((await nodes[0]!.verifier.verify(statementProof({ ...early, epoch: 1 }))).outcome).toBe('invalid');
    results = await chain.block([tx(underEpoch1, a), tx(early, a)]);
    expect(results.txResults.map((r) => r.code ?? 'ok')).toEqual(['ok', 'key_epoch_not_in_force']);
    expect(results.txResults[1]?.log).toMatch(/activates at height 5/);

    // block 4 (empty), block 5: epoch 2 is in force
    await chain.block([]);
    expect(keyEpochInForce(nodes[0]!.app.state, chain.height + 1)).toBe(2);
    results = await chain.block([tx(early, a)]);
    expect(results.txResults[0]?.ok).toBe(true);

    // a restarted node and one replaying the chain from genesis learn epoch 2's key from the chain
    const statements = [statementIdOf(underEpoch1.publicInputs, 1, CIRCUIT), statementIdOf(early.publicInputs, 2, CIRCUIT)];
    await nodes[1]!.close();
    const restarted = await openNode(members, join(root, 'node-2'));
    expect(await restarted.app.info()).toEqual(await nodes[0]!.app.info());
    for (const id of statements) {
      const record = restarted.app.state.get('statement', hexId(id))!;
      expect((await restarted.verifier.verify(statementProof(record))).outcome).toBe('valid');
    }
    expect(statements.map((id) => restarted.app.state.get('statement', hexId(id))?.epoch)).toEqual([1, 2]);

    const joining = await openNode(members, join(root, 'node-3'));
    const replay = new Consortium([joining.app]);
    for (const txs of blocks) await replay.block(txs, { decided: true });
    expect(await joining.app.info()).toEqual(await nodes[0]!.app.info());
    expect(joining.registry.has(2, CIRCUIT)).toBe(true);
    await Promise.all([nodes[0]!.close(), restarted.close(), joining.close()]);
  });
});
