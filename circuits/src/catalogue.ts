/**
 * The circuits the consortium compiles, by name. A name fixes the template and its parameters;
 * keys are made per name, and proofs name the circuit they are for.
 */

export interface SettlementParams {
  /** Records per proof (padding fills partial batches). */
  readonly batchSize: number;
  /** Bits of the service index: the rate table has 2^serviceBits rates. */
  readonly serviceBits: number;
}

export interface CircuitDefinition {
  readonly name: string;
  readonly family: 'settlement';
  /** circom source, relative to the circuits folder. */
  readonly source: string;
  readonly template: 'Settlement';
  readonly params: SettlementParams;
  readonly purpose: 'tests' | 'production';
}

/** Services of a roaming rate table, in rate-table order (serviceBits = 2). */
export const SETTLEMENT_SERVICES = ['voice_mo', 'voice_mt', 'sms', 'data'] as const;
export type SettlementService = (typeof SETTLEMENT_SERVICES)[number];

/** The settlement circuit's public inputs, in the order of its public signals. */
export const SETTLEMENT_PUBLIC_INPUTS = ['creditor', 'debtor', 'period', 'count', 'batchCommitment', 'rateCommitment', 'total'] as const;

/** Range limits the circuit enforces (bits), mirrored by the witness builder's checks. */
export const SETTLEMENT_LIMITS = { recordIdBits: 32, volumeBits: 32, rateBits: 32 } as const;

/** Domain tags of the two commitments ("consortium/batch/1", "consortium/rates/1" as integers). */
export const BATCH_DOMAIN = 0x636f6e736f727469756d2f62617463682f31n;
export const RATES_DOMAIN = 0x636f6e736f727469756d2f72617465732f31n;
/** Elements absorbed per Poseidon(16) call of the batch sponge; the 16th input chains the state. */
export const SPONGE_CHUNK = 15;

function settlement(batchSize: number, purpose: CircuitDefinition['purpose']): CircuitDefinition {
  return {
    name: `settlement-${batchSize}`,
    family: 'settlement',
    source: 'settlement/settlement.circom',
    template: 'Settlement',
    params: { batchSize, serviceBits: 2 },
    purpose,
  };
}

export const CIRCUITS: Readonly<Record<string, CircuitDefinition>> = Object.fromEntries(
  [settlement(4, 'tests'), settlement(16, 'tests'), settlement(64, 'production'), settlement(256, 'production')].map((c) => [c.name, c]),
);

export class UnknownCircuitError extends Error {
  override readonly name = 'UnknownCircuitError';
}

export function circuitDefinition(name: string): CircuitDefinition {
  const definition = CIRCUITS[name];
  if (definition === undefined) throw new UnknownCircuitError(`unknown circuit ${name}; known: ${Object.keys(CIRCUITS).join(', ')}`);
  return definition;
}

/** Names of a family ("settlement") or a single circuit ("settlement-64"). */
export function resolveCircuitNames(selector: string, purpose?: CircuitDefinition['purpose']): string[] {
  if (CIRCUITS[selector] !== undefined) return [selector];
  const names = Object.values(CIRCUITS)
    .filter((c) => c.family === selector && (purpose === undefined || c.purpose === purpose))
    .map((c) => c.name);
  if (names.length === 0) throw new UnknownCircuitError(`no circuit or family named ${selector}; known: ${Object.keys(CIRCUITS).join(', ')}`);
  return names;
}
