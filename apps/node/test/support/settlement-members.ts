import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Ed25519Signer, ed25519KeyPairFromSeed, sha256, toHex, type BlockHeader, type Genesis } from '@consortium/consensus';
import {
  batchIdOf,
  encodeSettlementTx,
  recordsDigest,
  SettlementApplication,
  signSettlementTx,
  toSettlementBatch,
  usageBatchBody,
  type RecordBatch,
  type RegisterAgreementBody,
  type SettlementService,
  type SettlementTxBody,
} from '@consortium/settlement';
import { Groth16Verifier, VerificationKeys } from '@consortium/zkp';
import { pino } from 'pino';
import { expect } from 'vitest';
import { AnomalyDetection } from '../../src/settlement/anomaly-detection.js';
import { PrivateStore } from '../../src/settlement/private-store.js';
import type { OwnBatch } from '../../src/settlement/types.js';

/**
 * Members' settlement nodes without consensus or p2p, for the tests of what each node keeps
 * privately: each member its own SettlementApplication (real LevelDB) executing the same blocks
 * of real signed transactions, its own PrivateStore (real LevelDB), and the anomaly detection,
 * wired as follow.ts wires it (the application's onCommitted feeds it every committed block).
 */

export const CHAIN_ID = 'anomaly-detection-test';
/** Genesis pins of epoch 1 for settlement-4: batches of up to four records (the state rules only read the circuit's name). */
const ARTIFACTS = { 'epoch-1/settlement-4.zkey': 'aa'.repeat(32), 'epoch-1/settlement-4.wasm': 'bb'.repeat(32), 'epoch-1/settlement-4.vkey': 'cc'.repeat(32) };
export const BATCH_SIZE = 4;
/** Orange-FR is the node the API fixture plays; SFR-FR its third member. */
export const ORANGE = { id: 'Orange-FR', tadig: 'FRAF1' } as const;
export const TMOBILE = { id: 'T-Mobile-DE', tadig: 'DEUD1' } as const;
export const SFR = { id: 'SFR-FR', tadig: 'FRAF2' } as const;
const OPERATORS = [ORANGE, TMOBILE, SFR];

export interface TestMember {
  readonly id: string;
  readonly tadig: string;
  readonly signer: Ed25519Signer;
  readonly publicKey: Uint8Array;
}

export const MEMBERS: readonly TestMember[] = OPERATORS.map((operator, i) => {
  const keyPair = ed25519KeyPairFromSeed(new Uint8Array(32).fill(i + 1));
  return { ...operator, signer: new Ed25519Signer(keyPair), publicKey: keyPair.publicKey };
});
export const memberOf = (id: string): TestMember => MEMBERS.find((m) => m.id === id)!;

const GENESIS: Pick<Genesis, 'chainId' | 'members' | 'artifacts'> = {
  chainId: CHAIN_ID,
  members: MEMBERS.map((m) => ({ id: m.id, operator: m.id, tadig: m.tadig, publicKey: m.publicKey, peerId: `peer-${m.id}`, votingPower: 1 })),
  artifacts: ARTIFACTS,
};

/** The application's proof verifier: no statement is proposed in these tests, so it never verifies anything. */
export const idleVerifier = () => new Groth16Verifier(new VerificationKeys(), { metrics: null, security: null, tracer: null });

/** One member's node: its application, its private store and its anomaly detection, in `dir`. */
export class MemberNode {
  /** false: the application commits blocks that the detection does not see (the node died between the two). */
  following = true;

  private constructor(
    readonly member: TestMember,
    readonly dir: string,
    readonly app: SettlementApplication,
    readonly store: PrivateStore,
    readonly detection: AnomalyDetection,
  ) {
    app.onCommitted((block) => {
      if (this.following) void this.detection.blockCommitted(block);
    });
  }

  static async open(member: TestMember, dir: string, verifier: Groth16Verifier): Promise<MemberNode> {
    await mkdir(dir, { recursive: true });
    const app = await SettlementApplication.open({ directory: join(dir, 'settlement'), genesis: GENESIS, verifier });
    const store = await PrivateStore.open(join(dir, 'private'));
    const detection = new AnomalyDetection({ self: member.id, store, chain: app, metrics: null, logger: pino({ level: 'silent' }) });
    return new MemberNode(member, dir, app, store, detection);
  }

  /** Stops as a crash would: nothing more is followed; the databases close (LevelDB keeps what was written). */
  async close(): Promise<void> {
    this.detection.close();
    await this.detection.idle();
    await this.app.close();
    await this.store.close();
  }
}

/** The blocks every node executes, one after the other, with real signed transactions. */
export class TestBlocks {
  private height = 0;
  private timeMs = Date.UTC(2026, 10, 20);

  /** Executes `txs` as the next block on every node in `nodes` (all must take every transaction), then waits until their detection followed it. */
  async next(nodes: readonly MemberNode[], txs: readonly Uint8Array[]): Promise<void> {
    this.height += 1;
    this.timeMs += 5_000;
    const header = { chainId: CHAIN_ID, height: this.height, timeMs: this.timeMs } as BlockHeader;
    for (const node of nodes) {
      const result = await node.app.finalizeBlock({ header, txs });
      expect(result.txResults.map((r) => (r.ok ? 'ok' : r.log))).toEqual(txs.map(() => 'ok'));
      await node.app.commit();
    }
    await Promise.all(nodes.map(async (node) => node.detection.idle()));
  }
}

export function signedTx(body: SettlementTxBody, signers: readonly TestMember[]): Uint8Array {
  return encodeSettlementTx(signSettlementTx(CHAIN_ID, body, signers.map((m) => ({ member: m.id, signer: m.signer }))));
}

/** The agreement of two members (commitments are opaque to these tests), signed by both. */
export function agreementTx(a: TestMember, b: TestMember): Uint8Array {
  const [first, second] = a.id < b.id ? [a, b] : [b, a];
  const body: RegisterAgreementBody = {
    type: 'register_agreement',
    members: [first.id, second.id],
    fromPeriod: '2026-01',
    toPeriod: '2026-12',
    rateCommitments: [
      { creditor: first.id, debtor: second.id, commitment: 123n },
      { creditor: second.id, debtor: first.id, commitment: 456n },
    ],
  };
  return signedTx(body, [a, b]);
}

export type Volumes = Partial<Readonly<Record<SettlementService, bigint>>>;

/** A batch of `creditor`'s records for `debtor`: one record per service named, with that volume. */
export function usageBatch(creditor: TestMember, debtor: TestMember, period: string, firstId: bigint, volumes: Volumes): RecordBatch {
  const start = BigInt(Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5)) - 1, 2) / 1000);
  const services = Object.keys(volumes) as SettlementService[];
  return {
    creditor: creditor.tadig,
    debtor: debtor.tadig,
    period,
    firstId,
    salt: 0x5a17n + firstId,
    records: services.map((service, i) => ({
      recordId: firstId + BigInt(i),
      subscriberRef: (i + 1).toString(16).padStart(32, '0'),
      service,
      startTime: start + BigInt(60 * i),
      volume: volumes[service]!,
      visitedTadig: creditor.tadig,
      homeTadig: debtor.tadig,
    })),
  };
}

/** The creditor's commit_usage_batch of `records`, built and signed as its desk does, and the batch as its store keeps it. */
export function committedBatch(creditor: TestMember, debtor: TestMember, records: RecordBatch): { readonly tx: Uint8Array; readonly own: OwnBatch } {
  const noRates = { rates: { voice_mo: 0n, voice_mt: 0n, sms: 0n, data: 0n }, salt: 0n };
  const body = usageBatchBody(toSettlementBatch(records, noRates), { creditor: creditor.id, debtor: debtor.id }, BATCH_SIZE, recordsDigest(records));
  const tx = signedTx(body, [creditor]);
  const own: OwnBatch = { batchId: batchIdOf(creditor.id, debtor.id, records.period, records.firstId), role: 'creditor', status: 'submitted', records, tx, txHash: toHex(sha256(tx)), failure: null };
  return { tx, own };
}

/** The debtor's received batch, as its desk hands it to the detection. */
export function receivedBatch(creditor: TestMember, debtor: TestMember, records: RecordBatch): OwnBatch & { readonly role: 'debtor' } {
  return { batchId: batchIdOf(creditor.id, debtor.id, records.period, records.firstId), role: 'debtor', status: 'received', records, tx: null, txHash: null, failure: null };
}
