import type { ZkpMetrics } from '@consortium/telemetry';
import { circuitDefinition } from '@consortium/circuits';
import type { LoadedCircuit, LoadedEpoch } from './artifacts/loader.js';
import { UnknownVerificationKeyError, VerificationKeys } from './verifier/index.js';
import { buildSettlementWitness } from './witness/witness.js';
import type { SettlementBatch } from './witness/domain.js';
import type { SettlementProof } from './proof.js';
import type { ProveJob } from './prover/pool.js';

/**
 * The key epochs a node holds: the keys genesis starts with (epoch 1) and those later
 * ceremonies register. Proving uses the current epoch; verification uses the epoch a proof
 * names, so proofs made before a rotation stay verifiable.
 */
export class KeyEpochs {
  private readonly epochs = new Map<number, LoadedEpoch>();
  readonly verificationKeys = new VerificationKeys();

  constructor(private readonly metrics: ZkpMetrics | null = null) {}

  add(loaded: LoadedEpoch): void {
    if (this.epochs.has(loaded.epoch)) throw new Error(`key epoch ${loaded.epoch} is already loaded`);
    this.epochs.set(loaded.epoch, loaded);
    for (const circuit of loaded.circuits.values()) {
      this.verificationKeys.add(loaded.epoch, circuit.name, circuit.vkey);
      this.metrics?.circuitConstraints.set({ circuit: circuit.name }, circuit.constraints);
    }
  }

  /** The newest epoch: the one new proofs are made with. */
  get current(): number {
    if (this.epochs.size === 0) throw new Error('no key epoch is loaded');
    return Math.max(...this.epochs.keys());
  }

  has(epoch: number): boolean {
    return this.epochs.has(epoch);
  }

  /** The circuits an epoch holds keys for (empty for an epoch not loaded). */
  circuitNames(epoch: number): string[] {
    return [...(this.epochs.get(epoch)?.circuits.keys() ?? [])];
  }

  circuit(epoch: number, name: string): LoadedCircuit {
    const circuit = this.epochs.get(epoch)?.circuits.get(name);
    if (circuit === undefined) throw new UnknownVerificationKeyError(epoch, name);
    return circuit;
  }
}

/** What proving needs of a pool: ProverPool.prove. */
export interface SettlementProver {
  prove(job: ProveJob): Promise<SettlementProof>;
}

/**
 * Proves a settlement batch with the keys of `circuit` in `options.epoch` (default: the newest
 * epoch loaded; a node passes the epoch in force on its chain, which a rotation moves at a
 * stated height): builds the witness input from the typed batch (refusing what the circuit
 * would refuse, with the field named) and hands it to the prover pool with the keys' pins (the
 * worker checks the files against them) and the pinned verification key (the pool checks the
 * proof against it).
 */
export async function proveSettlement(
  prover: SettlementProver,
  epochs: KeyEpochs,
  circuitName: string,
  batch: SettlementBatch,
  options: { readonly epoch?: number; readonly timeoutMs?: number; readonly signal?: AbortSignal } = {},
): Promise<SettlementProof> {
  const { epoch = epochs.current, ...jobOptions } = options;
  const circuit = epochs.circuit(epoch, circuitName);
  const { input } = buildSettlementWitness(batch, circuitDefinition(circuitName).params);
  return prover.prove({ ...provingKeyOf(circuit), circuit: circuitName, epoch, input, ...jobOptions });
}

/** The files, pins and verification key a prove job needs, from a circuit loaded with its genesis pins (loadEpoch). */
export function provingKeyOf(circuit: LoadedCircuit): Pick<ProveJob, 'wasmPath' | 'zkeyPath' | 'zkeyBytes' | 'wasmSha256' | 'zkeySha256' | 'vkey'> {
  return {
    wasmPath: circuit.wasmPath,
    zkeyPath: circuit.zkeyPath,
    ...(circuit.zkeyBytes === undefined ? {} : { zkeyBytes: circuit.zkeyBytes }),
    wasmSha256: circuit.wasmSha256,
    zkeySha256: circuit.zkeySha256,
    vkey: circuit.vkey,
  };
}
