import type { AnomalyKind, MemberId, Period, RecordBatch, SettlementService, TxSignature } from '@consortium/settlement';

/** One direction's rate table, as both parties hold it: minor units per charging unit, and the commitment's salt. */
export interface DirectedRates {
  readonly creditor: MemberId;
  readonly debtor: MemberId;
  readonly rates: Readonly<Record<SettlementService, bigint>>;
  readonly salt: bigint;
}

/** What the two parties of an agreement know and the chain does not: the rate tables behind its commitments. */
export interface AgreementTerms {
  readonly agreementId: string;
  readonly members: readonly [MemberId, MemberId];
  readonly fromPeriod: Period;
  readonly toPeriod: Period;
  /** Ordered by creditor, like the body's rateCommitments. */
  readonly directions: readonly [DirectedRates, DirectedRates];
}

/**
 * A two-party transaction waiting for the other party's signature: an agreement (with its
 * terms) or a dispute resolution. `direction` says whether this node proposed it or received it.
 */
export interface CosignProposal {
  readonly id: string;
  readonly kind: 'agreement' | 'resolution';
  readonly direction: 'sent' | 'received';
  readonly counterparty: MemberId;
  /** The canonical CBOR of the transaction body both sign (decodeSettlementTx of an envelope with these signatures). */
  readonly envelope: Uint8Array;
  readonly terms: AgreementTerms | null;
  readonly receivedAtMs: number;
}

/**
 * A batch this node billed (creditor) or received (debtor), with its raw records. The creditor
 * tracks its way to the chain: `queued` (numbered, waiting for the pair's previous batch),
 * `submitted` (in the mempool), `committed`, then `delivered` once the debtor's node stored
 * the records; `failed` when the chain refused it.
 */
export interface OwnBatch {
  readonly batchId: string;
  readonly role: 'creditor' | 'debtor';
  readonly status: 'queued' | 'submitted' | 'committed' | 'delivered' | 'received' | 'failed';
  readonly records: RecordBatch;
  /** The signed commit_usage_batch transaction (creditor). */
  readonly tx: Uint8Array | null;
  readonly txHash: string | null;
  readonly failure: string | null;
}

/** How a transaction ended in a block this node executed (GET /v1/txs/:hash). */
export interface TxOutcomeRecord {
  readonly height: number;
  readonly index: number;
  readonly ok: boolean;
  readonly code: string;
  readonly log: string;
}

/**
 * A usage anomaly this node raised on one of its member's pairs (anomaly-detection.ts): the
 * batch's volume of a service against the direction's moving baseline. Both parties' nodes raise
 * the same ones (all but `seq`, which numbers this node's anomalies in the order raised). Only
 * the two parties see them: volumes and baselines are theirs (T33).
 */
export interface AnomalyRecord {
  /** 1, 2, ...: the order this node raised its anomalies in. */
  readonly seq: number;
  readonly kind: AnomalyKind;
  readonly creditor: MemberId;
  readonly debtor: MemberId;
  readonly service: SettlementService;
  readonly batchId: string;
  readonly period: Period;
  /** The batch's volume of the service, in charging units. */
  readonly volume: bigint;
  /** The baseline it was compared with, in charging units (rounded down). */
  readonly baseline: bigint;
  /** The block that committed the batch: its height and time. */
  readonly height: number;
  readonly timeMs: number;
}

/** A committed batch of this member's pairs that its direction's detection has not observed yet (the records may not be here yet). */
export interface UnobservedBatch {
  readonly batchId: string;
}

/** How far the detection followed the chain, and how many anomalies it raised. */
export interface DetectionCursor {
  /** The last committed height whose batches are queued for observation. */
  readonly followedHeight: number;
  /** Anomalies raised so far: the last one's `seq`. */
  readonly anomalies: number;
}

export type { TxSignature };
