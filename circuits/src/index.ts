/**
 * @consortium/circuits: the circom sources, the catalogue of compiled circuits, the build
 * that makes their artifacts (with a manifest of hashes). Test keys are libs/zkp's (ensureTestKeys).
 */
export {
  CIRCUITS,
  circuitDefinition,
  resolveCircuitNames,
  UnknownCircuitError,
  SETTLEMENT_SERVICES,
  SETTLEMENT_SERVICE_BITS,
  SETTLEMENT_PUBLIC_INPUTS,
  SETTLEMENT_LIMITS,
  SETTLEMENT_CIRCUIT_VERSION,
  BATCH_DOMAIN,
  RATES_DOMAIN,
  BATCH_LAYOUT,
  SPONGE_CHUNK,
} from './catalogue.js';
export type { CircuitDefinition, SettlementParams, SettlementService } from './catalogue.js';
export { buildCircuit, CircuitBuildError, groth16DomainPower, ptauPowerFor } from './build.js';
export type { CircuitManifest, BuiltCircuit, BuildVariant } from './build.js';
// constraint-level checks of forged witnesses (tests only)
export { ConstraintSystem, ConstraintCheckError, calculateSignals } from './constraint-check.js';
export type { SignalValues, Violation } from './constraint-check.js';
export { sha256File, fileEntry } from './hashing.js';
export type { FileEntry } from './hashing.js';
export { DEFAULT_BUILD_ROOT, REPOSITORY_ROOT } from './paths.js';
