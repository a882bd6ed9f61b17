import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import type { BuiltCircuit } from './build.js';

/**
 * Constraint-level checks for tests: witnesses given signal by signal (by name, as a dishonest
 * prover would assemble them) checked against a circuit's r1cs, with snarkjs's own witness check
 * (`snarkjs wtns check`) as the verdict and an evaluation of every constraint to say which ones a
 * forged witness breaks.
 */

/** Signal values by full name ("main.isReal[2]"): a witness, honest or forged. */
export type SignalValues = Map<string, bigint>;

export interface Violation {
  /** Index of the constraint in the r1cs. */
  readonly constraint: number;
  /** Names of the signals the constraint involves (every name of each of its wires). */
  readonly signals: readonly string[];
}

export class ConstraintCheckError extends Error {
  override readonly name = 'ConstraintCheckError';
}

/** The BN254 scalar field, in which every constraint holds. */
const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const mod = (value: bigint) => ((value % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;

/** The sym file: each signal's name and its wire (-1 when the optimiser replaced the signal by others). */
async function readSymbols(built: BuiltCircuit): Promise<{ wireOf: Map<string, number>; namesOf: Map<number, string[]> }> {
  const text = await readFile(join(built.dir, built.manifest.files.sym.path), 'utf8');
  const wireOf = new Map<string, number>();
  const namesOf = new Map<number, string[]>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [, wireText, , name] = line.split(',');
    const wire = Number(wireText);
    if (name === undefined || !Number.isInteger(wire)) throw new ConstraintCheckError(`${built.manifest.files.sym.path}: unreadable line "${line}"`);
    if (wire < 0) continue;
    wireOf.set(name, wire);
    namesOf.set(wire, [...(namesOf.get(wire) ?? []), name]);
  }
  return { wireOf, namesOf };
}

/** A wtns file (format 2) in memory, as snarkjs reads it: header section (n8, prime, count) then the values. */
function wtnsFile(witness: readonly bigint[]): { type: 'mem'; data: Uint8Array } {
  const n8 = 32;
  const sections = [4 + n8 + 4, n8 * witness.length];
  const data = new Uint8Array(12 + sections.reduce((total, size) => total + 12 + size, 0));
  const view = new DataView(data.buffer);
  data.set(new TextEncoder().encode('wtns'), 0);
  view.setUint32(4, 2, true);
  view.setUint32(8, 2, true);
  const writeInteger = (offset: number, value: bigint) => {
    let rest = value;
    for (let byte = 0; byte < n8; byte++, rest >>= 8n) data[offset + byte] = Number(rest & 0xffn);
  };
  let offset = 12;
  view.setUint32(offset, 1, true);
  view.setBigUint64(offset + 4, BigInt(sections[0]!), true);
  view.setUint32(offset + 12, n8, true);
  writeInteger(offset + 16, FIELD_MODULUS);
  view.setUint32(offset + 16 + n8, witness.length, true);
  offset += 12 + sections[0]!;
  view.setUint32(offset, 2, true);
  view.setBigUint64(offset + 4, BigInt(sections[1]!), true);
  witness.forEach((value, wire) => writeInteger(offset + 12 + wire * n8, mod(value)));
  return { type: 'mem', data };
}

/**
 * Every signal's value for `input`, computed by a build's witness calculator. Use a build in
 * which every signal is a wire (`unoptimised`, or `forging` to compute what the circuit refuses).
 */
export async function calculateSignals(built: BuiltCircuit, input: Record<string, unknown>): Promise<SignalValues> {
  const wtns: { type: 'mem'; data?: Uint8Array } = { type: 'mem' };
  await snarkjs.wtns.calculate(input, join(built.dir, built.manifest.files.wasm.path), wtns);
  const witness = await snarkjs.wtns.exportJson(wtns);
  const { wireOf } = await readSymbols(built);
  const values: SignalValues = new Map();
  for (const [name, wire] of wireOf) {
    const value = witness[wire];
    if (value === undefined) throw new ConstraintCheckError(`${name} is wire ${wire}, but the witness has ${witness.length} wires`);
    values.set(name, value);
  }
  return values;
}

/** A built circuit's r1cs and names, loaded to check witnesses given by signal name. */
export class ConstraintSystem {
  private constructor(
    private readonly r1csPath: string,
    private readonly wireOf: Map<string, number>,
    private readonly namesOf: Map<number, string[]>,
    private readonly wires: number,
    private readonly constraints: readonly [snarkjs.R1csLinearCombination, snarkjs.R1csLinearCombination, snarkjs.R1csLinearCombination][],
  ) {}

  static async load(built: BuiltCircuit): Promise<ConstraintSystem> {
    const r1csPath = join(built.dir, built.manifest.files.r1cs.path);
    const r1cs = await snarkjs.r1cs.exportJson(r1csPath);
    if (BigInt(r1cs.prime) !== FIELD_MODULUS) throw new ConstraintCheckError(`${r1csPath} is not over the BN254 scalar field`);
    const { wireOf, namesOf } = await readSymbols(built);
    return new ConstraintSystem(r1csPath, wireOf, namesOf, r1cs.nVars, r1cs.constraints);
  }

  /** The witness vector: wire 0 is the constant 1, every other wire takes the value of its signal's name. */
  witness(values: SignalValues): bigint[] {
    const witness = Array.from({ length: this.wires }, (_, wire) => {
      if (wire === 0) return 1n;
      const names = this.namesOf.get(wire) ?? [];
      const value = names.map((name) => values.get(name)).find((v) => v !== undefined);
      if (value === undefined) throw new ConstraintCheckError(`no value for wire ${wire} (${names.join(', ') || 'unnamed'})`);
      return value;
    });
    return witness;
  }

  /** Every constraint A x B = C the values break, with the signals it involves. */
  violations(values: SignalValues): Violation[] {
    const witness = this.witness(values);
    const evaluate = (combination: snarkjs.R1csLinearCombination) => {
      let sum = 0n;
      for (const [wire, coefficient] of Object.entries(combination)) sum += BigInt(coefficient) * witness[Number(wire)]!;
      return mod(sum);
    };
    const violations: Violation[] = [];
    this.constraints.forEach(([a, b, c], constraint) => {
      if (mod(evaluate(a) * evaluate(b) - evaluate(c)) === 0n) return;
      const wires = new Set([a, b, c].flatMap((combination) => Object.keys(combination).map(Number)));
      violations.push({ constraint, signals: [...wires].flatMap((wire) => this.namesOf.get(wire) ?? []) });
    });
    return violations;
  }

  /** snarkjs's witness check (`snarkjs wtns check`) of the values against this r1cs: the reference verdict. */
  async check(values: SignalValues): Promise<boolean> {
    const quiet = () => undefined;
    return snarkjs.wtns.check(this.r1csPath, wtnsFile(this.witness(values)), { debug: quiet, info: quiet, warn: quiet, error: quiet });
  }

  /** The wire of a signal, or undefined when the optimiser replaced it (then no witness holds it). */
  wire(name: string): number | undefined {
    return this.wireOf.get(name);
  }
}
