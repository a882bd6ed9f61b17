// Settlement application throughput without proofs: the pure transitions alone, and whole
// blocks through SettlementApplication.finalizeBlock + commit (decode, signatures, transitions,
// app hash, LevelDB). Proofs are not measured here (zkp-verify and zkp-prove do that): the
// statements' verdicts come from a stand-in verifier that calls every proof valid.
// Goal (issue 8): the chain's settlement traffic is far below consensus's ~2,000 tx/s, so the
// application must not be what limits it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519KeyPairFromSeed, Ed25519Signer, sha256, type BlockHeader } from '@consortium/consensus';
import {
  authenticateTx,
  decodeSettlementTx,
  encodeSettlementTx,
  genesisWrites,
  MapState,
  OverlayState,
  SettlementApplication,
  signSettlementTx,
  stateKey,
  transitionWrites,
  type CommitUsageBatchBody,
  type SettlementMember,
  type SettlementTxBody,
  type StatementProofVerifier,
} from '@consortium/settlement';

const CHAIN_ID = 'bench-settlement';
const OPERATORS = [
  ['T-Mobile-DE', 'DEUD1'],
  ['Vodafone-UK', 'GBRVF'],
  ['Orange-FR', 'FRAF1'],
  ['Telenor-NO', 'NORTM'],
  ['SFR-FR', 'FRAF2'],
] as const;
const ARTIFACTS = { 'epoch-1/settlement-61.zkey': 'aa'.repeat(32), 'epoch-1/settlement-61.wasm': 'bb'.repeat(32), 'epoch-1/settlement-61.vkey': 'cc'.repeat(32) };
const ACCEPT_EVERY_PROOF: StatementProofVerifier = {
  verify: () => Promise.resolve({ outcome: 'valid', error: null }),
  verifyBatch: (proofs) => Promise.resolve({ results: proofs.map(() => ({ outcome: 'valid' as const, error: null })) }),
};

interface BenchMember extends SettlementMember {
  readonly signer: Ed25519Signer;
}

const members: BenchMember[] = OPERATORS.map(([id, tadig], i) => {
  const keyPair = ed25519KeyPairFromSeed(new Uint8Array(32).fill(i + 1));
  return { id, tadig, publicKey: keyPair.publicKey, signer: new Ed25519Signer(keyPair) };
}).sort((a, b) => (a.id < b.id ? -1 : 1));

const sign = (body: SettlementTxBody, ...signers: BenchMember[]) =>
  encodeSettlementTx(
    signSettlementTx(
      CHAIN_ID,
      body,
      signers.map((m) => ({ member: m.id, signer: m.signer })),
    ),
  );

/** One agreement per pair of members for 2026. */
function agreements(): Uint8Array[] {
  const txs: Uint8Array[] = [];
  for (let i = 0; i < members.length; i++) {
    for (let j = i + 1; j < members.length; j++) {
      const [a, b] = [members[i]!, members[j]!];
      txs.push(
        sign(
          {
            type: 'register_agreement',
            members: [a.id, b.id],
            fromPeriod: '2026-01',
            toPeriod: '2026-12',
            rateCommitments: [
              { creditor: a.id, debtor: b.id, commitment: BigInt(i * 10 + j) },
              { creditor: b.id, debtor: a.id, commitment: BigInt(j * 10 + i) },
            ],
          },
          a,
          b,
        ),
      );
    }
  }
  return txs;
}

/** `count` usage batches of 61 records (the devnet's circuit), round-robin over every directed pair, each pair's ids contiguous. */
function batches(count: number): Uint8Array[] {
  const pairs = members.flatMap((creditor) => members.filter((m) => m !== creditor).map((debtor) => ({ creditor, debtor, nextFirstId: 0n })));
  return Array.from({ length: count }, (_, i) => {
    const pair = pairs[i % pairs.length]!;
    const body: CommitUsageBatchBody = {
      type: 'commit_usage_batch',
      creditor: pair.creditor.id,
      debtor: pair.debtor.id,
      period: '2026-11',
      firstId: pair.nextFirstId,
      count: 61,
      batchCommitment: BigInt(i + 1),
      recordsDigest: sha256(new Uint8Array([i & 0xff, i >> 8])),
    };
    pair.nextFirstId += 61n;
    return sign(body, pair.creditor);
  });
}

function pureTransitions(txs: readonly Uint8Array[]): void {
  const entries = new Map<string, unknown>(genesisWrites(ARTIFACTS).map((w) => [stateKey(w.kind, w.id), w.value]));
  const memberById = new Map(members.map((m) => [m.id, m]));
  const authenticated = txs.map((tx) => authenticateTx(decodeSettlementTx(tx), memberById, CHAIN_ID));
  const writes = new Map<string, unknown>();
  const state = new OverlayState(new MapState(entries), writes);
  for (const tx of agreements()) {
    const outcome = transitionWrites(state, authenticateTx(decodeSettlementTx(tx), memberById, CHAIN_ID), { chainId: CHAIN_ID, height: 1, timeMs: 1_797_000_000_000, members });
    if (!outcome.ok) throw outcome.error;
    for (const w of outcome.writes) writes.set(stateKey(w.kind, w.id), w.value);
  }
  const startedMs = performance.now();
  authenticated.forEach((tx, i) => {
    const outcome = transitionWrites(state, tx, { chainId: CHAIN_ID, height: 1 + Math.floor(i / 1000), timeMs: 1_797_000_000_000 + i, members });
    if (!outcome.ok) throw outcome.error;
    for (const w of outcome.writes) writes.set(stateKey(w.kind, w.id), w.value);
  });
  const elapsedMs = performance.now() - startedMs;
  console.log(`  pure transitions (authenticated commit_usage_batch): ${txs.length.toLocaleString('en-US')} txs in ${elapsedMs.toFixed(0)} ms = ${Math.round((txs.length / elapsedMs) * 1000).toLocaleString('en-US')} tx/s`);

  const decodeStartedMs = performance.now();
  for (const tx of txs) authenticateTx(decodeSettlementTx(tx), memberById, CHAIN_ID);
  const decodeMs = performance.now() - decodeStartedMs;
  console.log(`  decode + ed25519 check of each tx: ${Math.round((txs.length / decodeMs) * 1000).toLocaleString('en-US')} tx/s (uncached verifier)`);
}

async function finalizeBlocks(txs: readonly Uint8Array[], blockTxs: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-settlement-'));
  const genesis = { chainId: CHAIN_ID, members: members.map((m) => ({ ...m, operator: m.id, peerId: m.id, votingPower: 1 })), artifacts: ARTIFACTS };
  const app = await SettlementApplication.open({ directory: join(dir, 'settlement'), genesis, verifier: ACCEPT_EVERY_PROOF });
  try {
    let height = 0;
    const run = async (block: readonly Uint8Array[]) => {
      height += 1;
      const header = { chainId: CHAIN_ID, height, timeMs: 1_797_000_000_000 + height * 1_000 } as BlockHeader;
      const result = await app.finalizeBlock({ header, txs: block });
      if (!result.txResults.every((r) => r.ok)) throw new Error(`block ${height}: ${result.txResults.find((r) => !r.ok)?.log}`);
      await app.commit();
    };
    await run(agreements());
    const startedMs = performance.now();
    for (let start = 0; start < txs.length; start += blockTxs) await run(txs.slice(start, start + blockTxs));
    const elapsedMs = performance.now() - startedMs;
    console.log(
      `  finalizeBlock + commit, ${blockTxs} txs a block: ${txs.length.toLocaleString('en-US')} txs in ${elapsedMs.toFixed(0)} ms = ${Math.round((txs.length / elapsedMs) * 1000).toLocaleString('en-US')} tx/s` +
        ` (${(elapsedMs / Math.ceil(txs.length / blockTxs)).toFixed(1)} ms a block; state ${app.state.entries.size.toLocaleString('en-US')} records)`,
    );
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runSettlementApplyBench(): Promise<void> {
  const txs = batches(20_000);
  console.log(`settlement apply: ${members.length} members, ${txs.length.toLocaleString('en-US')} usage batches over ${members.length * (members.length - 1)} directed pairs`);
  pureTransitions(txs);
  await finalizeBlocks(txs, 1_000);
  await finalizeBlocks(txs.slice(0, 5_000), 100);
}
