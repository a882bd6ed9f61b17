import { readBinFile, readSection } from '@iden3/binfileutils';

/**
 * The counts of an r1cs file's header (section 1) that size its Groth16 domain: snarkjs's newZKey
 * needs 2^k > constraints + public signals (outputs and public inputs).
 */
export interface R1csHeader {
  readonly wires: number;
  readonly publicOutputs: number;
  readonly publicInputs: number;
  readonly privateInputs: number;
  readonly constraints: number;
}

export async function readR1csHeader(path: string): Promise<R1csHeader> {
  const { fd, sections } = await readBinFile(path, 'r1cs', 1);
  let header: Uint8Array;
  try {
    header = await readSection(fd, sections, 1);
  } finally {
    await fd.close();
  }
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const n8 = view.getUint32(0, true);
  const at = 4 + n8;
  return {
    wires: view.getUint32(at, true),
    publicOutputs: view.getUint32(at + 4, true),
    publicInputs: view.getUint32(at + 8, true),
    privateInputs: view.getUint32(at + 12, true),
    // after the u64 label count
    constraints: view.getUint32(at + 24, true),
  };
}

/** log2 of the circuit's Groth16 domain (as groth16DomainPower of @consortium/circuits, from the file alone). */
export function domainPowerOf(header: R1csHeader): number {
  let power = 1;
  while (2 ** power <= header.constraints + header.publicOutputs + header.publicInputs) power += 1;
  return power;
}

/** The Groth16 domains (log2) of circuits given by their r1cs files, in order. */
export async function domainPowersOf(r1csFiles: readonly string[]): Promise<number[]> {
  return Promise.all(r1csFiles.map(async (file) => domainPowerOf(await readR1csHeader(file))));
}
