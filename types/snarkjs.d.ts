// Types for the parts of snarkjs 0.7 the project uses (snarkjs ships no declarations).
declare module 'snarkjs' {
  export interface Groth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: 'groth16';
    curve: 'bn128';
  }
  export type PublicSignals = string[];
  export interface VerificationKey {
    protocol: 'groth16';
    curve: 'bn128';
    nPublic: number;
    vk_alpha_1: string[];
    vk_beta_2: string[][];
    vk_gamma_2: string[][];
    vk_delta_2: string[][];
    vk_alphabeta_12?: unknown;
    IC: string[][];
  }
  export interface Logger {
    /** snarkjs calls log() too from powers 2^16 up (newAccumulator). */
    log?(message: string): void;
    debug(message: string): void;
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
  }
  export interface Curve {
    terminate(): Promise<void>;
    [key: string]: unknown;
  }
  export type FileLike = string | Uint8Array | { type: 'mem'; data?: Uint8Array };

  export const curves: { getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<Curve> };

  export const powersOfTau: {
    newAccumulator(curve: Curve, power: number, fileName: string, logger?: Logger): Promise<unknown>;
    contribute(oldPtau: string, newPtau: string, name: string, entropy: string, logger?: Logger): Promise<Uint8Array>;
    beacon(oldPtau: string, newPtau: string, name: string, beaconHashHex: string, numIterationsExp: number, logger?: Logger): Promise<Uint8Array>;
    preparePhase2(oldPtau: string, newPtau: string, logger?: Logger): Promise<void>;
    verify(ptau: string, logger?: Logger): Promise<boolean>;
  };

  export const zKey: {
    newZKey(r1cs: string, ptau: string, zkey: FileLike, logger?: Logger): Promise<Uint8Array>;
    contribute(oldZkey: string, newZkey: string, name: string, entropy: string, logger?: Logger): Promise<Uint8Array>;
    beacon(oldZkey: string, newZkey: string, name: string, beaconHashHex: string, numIterationsExp: number, logger?: Logger): Promise<Uint8Array>;
    exportVerificationKey(zkey: FileLike, logger?: Logger): Promise<VerificationKey>;
    verifyFromInit(initZkey: string, ptau: string, zkey: string, logger?: Logger): Promise<boolean>;
    verifyFromR1cs(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<boolean>;
  };

  export const wtns: {
    calculate(input: Record<string, unknown>, wasm: FileLike, wtns: FileLike, options?: Record<string, unknown>): Promise<void>;
    /** The witness's values, wire by wire (wire 0 is the constant 1). */
    exportJson(wtns: FileLike): Promise<bigint[]>;
    /**
     * Checks every constraint A x B = C of the r1cs against the witness. snarkjs 0.7.6 reports the
     * first failing constraint through logger.warn and needs a logger when one fails.
     */
    check(r1cs: FileLike, wtns: FileLike, logger: Logger): Promise<boolean>;
  };

  /** One linear combination of an r1cs constraint: wire index -> coefficient (decimal string). */
  export type R1csLinearCombination = Record<string, string>;
  export const r1cs: {
    info(r1cs: string, logger?: Logger): Promise<{ nConstraints: number; nPubInputs: number; nPrvInputs: number; nOutputs: number }>;
    exportJson(
      r1cs: string,
      logger?: Logger,
    ): Promise<{ prime: string; nVars: number; nConstraints: number; constraints: [R1csLinearCombination, R1csLinearCombination, R1csLinearCombination][] }>;
  };

  export const groth16: {
    fullProve(
      input: Record<string, unknown>,
      wasm: FileLike,
      zkey: FileLike,
      logger?: Logger,
      wtnsCalcOptions?: Record<string, unknown>,
      proverOptions?: { singleThread?: boolean },
    ): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;
    prove(zkey: FileLike, witness: FileLike, logger?: Logger, options?: { singleThread?: boolean }): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;
    verify(vkey: VerificationKey | Record<string, unknown>, publicSignals: PublicSignals, proof: Groth16Proof, logger?: Logger): Promise<boolean>;
  };
}
