import { SETTLEMENT_PUBLIC_INPUTS } from '@consortium/circuits';
import { fromHex } from '@consortium/consensus';
import { batchCommitment, type SettlementBatch, type SettlementProof, type SettlementPublicInputs } from '@consortium/zkp';
import type { MemberId } from './domain/types.js';
import { InvalidTxFieldError } from './errors.js';
import type { CommitUsageBatchBody, ProposeStatementBody, RegisterKeyEpochBody } from './tx/types.js';

/**
 * Transaction bodies from what a creditor's node holds: its batch of records (@consortium/zkp's
 * SettlementBatch) and the proof the prover pool made of it. The node, the traffic generator and
 * tools build their transactions with these rather than by hand.
 */

/**
 * The commit_usage_batch body of a batch: its range, its commitment for the circuit of
 * `batchSize` records and its records' digest. Nothing per service: the volumes stay with the
 * two parties (T33).
 */
export function usageBatchBody(batch: SettlementBatch, parties: { readonly creditor: MemberId; readonly debtor: MemberId }, batchSize: number, recordsDigest: Uint8Array): CommitUsageBatchBody {
  return {
    type: 'commit_usage_batch',
    creditor: parties.creditor,
    debtor: parties.debtor,
    period: batch.period,
    firstId: batch.firstId,
    count: batch.records.length,
    batchCommitment: batchCommitment(batch, batchSize),
    recordsDigest,
  };
}

/** The public inputs of a proof's public signals (decimal strings in the circuit's order). */
export function publicInputsOf(publicSignals: readonly string[]): SettlementPublicInputs {
  if (publicSignals.length !== SETTLEMENT_PUBLIC_INPUTS.length) throw new InvalidTxFieldError('publicSignals', `must hold ${SETTLEMENT_PUBLIC_INPUTS.length} signals, has ${publicSignals.length}`);
  return Object.fromEntries(
    SETTLEMENT_PUBLIC_INPUTS.map((name, i) => {
      const signal = publicSignals[i]!;
      if (!/^(0|[1-9][0-9]*)$/.test(signal)) throw new InvalidTxFieldError(`publicSignals[${i}]`, 'must be a canonical decimal string');
      return [name, BigInt(signal)];
    }),
  ) as unknown as SettlementPublicInputs;
}

/** The propose_statement body of a proof made by the prover pool (proveSettlement). */
export function statementBody(proof: SettlementProof): ProposeStatementBody {
  return { type: 'propose_statement', publicInputs: publicInputsOf(proof.publicSignals), epoch: proof.epoch, circuit: proof.circuit, proof: proof.proof };
}

/** One circuit of a ceremony's keys folder, as a key epoch registers it: the sha256 (hex) of its files and its verification key file's bytes. */
export interface KeyEpochCircuit {
  readonly name: string;
  readonly zkeySha256: string;
  readonly wasmSha256: string;
  readonly vkeySha256: string;
  readonly vkeyBytes: Uint8Array;
}

/**
 * The register_key_epoch body of a new ceremony's keys (circuits in name order, as the codec
 * requires), activating at `activationHeight`. Every member signs this same body: each builds it
 * from the same keys folder and height (consortium-setup key-epoch sign).
 */
export function keyEpochBody(epoch: number, activationHeight: number, circuits: readonly KeyEpochCircuit[]): RegisterKeyEpochBody {
  const sorted = [...circuits].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const digest = (hex: string, what: string) => {
    const bytes = fromHex(hex, 32);
    if (bytes === null) throw new InvalidTxFieldError(what, `must be a sha256 in hex, got ${JSON.stringify(hex)}`);
    return bytes;
  };
  return {
    type: 'register_key_epoch',
    epoch,
    activationHeight,
    pins: sorted.map((circuit) => ({
      circuit: circuit.name,
      zkey: digest(circuit.zkeySha256, `${circuit.name}.zkey`),
      wasm: digest(circuit.wasmSha256, `${circuit.name}.wasm`),
      vkey: digest(circuit.vkeySha256, `${circuit.name}.vkey`),
    })),
    verificationKeys: sorted.map((circuit) => circuit.vkeyBytes),
  };
}
