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
  /**
   * log2 of the Groth16 domain the circuit is sized for (constraints + public inputs < 2^k):
   * the build refuses a circuit that outgrows it, since its keys, ceremony and proving time
   * would double unnoticed.
   */
  readonly domainPower: number;
}

/** Services of a roaming rate table, in rate-table order (serviceBits = 2). */
export const SETTLEMENT_SERVICES = ['voice_mo', 'voice_mt', 'sms', 'data'] as const;
export type SettlementService = (typeof SETTLEMENT_SERVICES)[number];
/** Bits of a service index: the rate table has 2^SETTLEMENT_SERVICE_BITS = 4 rates. */
export const SETTLEMENT_SERVICE_BITS = 2;

/** The settlement circuit's public inputs, in the order of its public signals. */
export const SETTLEMENT_PUBLIC_INPUTS = ['creditor', 'debtor', 'period', 'firstId', 'count', 'batchCommitment', 'rateCommitment', 'total'] as const;

/**
 * Range limits: volumes and rates are range-checked by the circuit (bits). Record ids are
 * positional (record i of a batch has id firstId + i) and firstId is public: the circuit only
 * hashes it, the witness builder and the chain keep every id below 2^recordIdBits.
 */
export const SETTLEMENT_LIMITS = { recordIdBits: 64, volumeBits: 32, rateBits: 32 } as const;

/** The settlement circuit's version: its domain tags end in "/2"; v1 proofs and commitments never verify as v2. */
export const SETTLEMENT_CIRCUIT_VERSION = 2;
/** Domain tags of the two commitments ("consortium/batch/2", "consortium/rates/2" as integers). */
export const BATCH_DOMAIN = 0x636f6e736f727469756d2f62617463682f32n;
export const RATES_DOMAIN = 0x636f6e736f727469756d2f72617465732f32n;

/** Bits every BN254 scalar holds (the modulus is about 2^253.6): packing into 253 bits is injective. */
const ELEMENT_BITS = 253;
const RECORD_BITS = SETTLEMENT_LIMITS.volumeBits + SETTLEMENT_SERVICE_BITS;

/**
 * The batch commitment's layout, as settlement.circom builds it. A record packs into
 * volumeBits + serviceBits = 34 bits (volume | service << 32); 7 records share one field element
 * (slot k at bit 34k: 238 bits, injective because every part is range-checked). The sponge
 * absorbs the header (domain, batch size, creditor, debtor, period, firstId, count, salt), then
 * the packed elements: 16 in the first Poseidon(16) call, then the chained state and 15 more per
 * call.
 */
export const BATCH_LAYOUT = {
  recordBits: RECORD_BITS,
  recordsPerElement: Math.floor(ELEMENT_BITS / RECORD_BITS),
  headerElements: 8,
  firstCallElements: 16,
  laterCallElements: 15,
} as const;
/** Elements absorbed per later Poseidon(16) call of the batch sponge; the 16th input chains the state. */
export const SPONGE_CHUNK = BATCH_LAYOUT.laterCallElements;

function settlement(batchSize: number, domainPower: number, purpose: CircuitDefinition['purpose']): CircuitDefinition {
  return {
    name: `settlement-${batchSize}`,
    family: 'settlement',
    source: 'settlement/settlement.circom',
    template: 'Settlement',
    params: { batchSize, serviceBits: SETTLEMENT_SERVICE_BITS },
    purpose,
    domainPower,
  };
}

/**
 * Test circuits are small (a 2^11 domain: test keys in about a minute). Each production size is
 * the largest batch whose constraints fit its power-of-two Groth16 domain (one record more and
 * the domain, the keys and the proving time double): settlement-61 fills 2^12 (demo keys in a
 * minute or two: the devnet's), settlement-344 2^14 and settlement-1433 2^16. The build checks
 * that each circuit fits its domain; the fill is measured in docs/benchmarks.md.
 */
export const CIRCUITS: Readonly<Record<string, CircuitDefinition>> = Object.fromEntries(
  [settlement(4, 11, 'tests'), settlement(16, 11, 'tests'), settlement(61, 12, 'production'), settlement(344, 14, 'production'), settlement(1433, 16, 'production')].map((c) => [
    c.name,
    c,
  ]),
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
