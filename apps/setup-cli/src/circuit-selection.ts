import { CIRCUITS, ptauPowerFor, resolveCircuitNames, type CircuitManifest } from '@consortium/circuits';
import { InvalidCircuitSelectionError } from './errors.js';

/**
 * Which circuits a ceremony makes keys for (`--circuits`), and the powers of tau they need.
 * Pure: the catalogue of @consortium/circuits decides what exists.
 */

export const KNOWN_CIRCUITS: readonly string[] = Object.keys(CIRCUITS);
export const CIRCUIT_FAMILIES: readonly string[] = [...new Set(Object.values(CIRCUITS).map((circuit) => circuit.family))];

/**
 * `--circuits settlement` (a family: its production circuits, settlement-61, -344 and -1433),
 * or a comma-separated list of circuit names and families (`settlement-4`,
 * `settlement-16,settlement-344`). Names come back once each, in the order given.
 */
export function selectCircuits(value: string): string[] {
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) {
    throw new InvalidCircuitSelectionError(`${JSON.stringify(value)} has an empty name`, KNOWN_CIRCUITS, CIRCUIT_FAMILIES);
  }
  const unknown = items.filter((item) => !KNOWN_CIRCUITS.includes(item) && !CIRCUIT_FAMILIES.includes(item));
  if (unknown.length > 0) {
    const what = unknown.length === 1 ? `unknown circuit ${JSON.stringify(unknown[0])}` : `unknown circuits ${unknown.map((item) => JSON.stringify(item)).join(', ')}`;
    throw new InvalidCircuitSelectionError(what, KNOWN_CIRCUITS, CIRCUIT_FAMILIES);
  }
  const names = items.flatMap((item) => (KNOWN_CIRCUITS.includes(item) ? [item] : resolveCircuitNames(item, 'production')));
  return [...new Set(names)];
}

/** The production circuits of each family, for --help: "settlement (settlement-61, settlement-344, settlement-1433)". */
export function familiesHelp(): string {
  return CIRCUIT_FAMILIES.map((family) => `${family} (${resolveCircuitNames(family, 'production').join(', ')})`).join(', ');
}

/** The power of tau a ceremony needs: enough for its largest circuit. */
export function ceremonyPower(manifests: readonly Pick<CircuitManifest, 'constraints' | 'publicInputs'>[]): number {
  if (manifests.length === 0) throw new RangeError('a ceremony needs at least one circuit');
  return Math.max(...manifests.map((manifest) => ptauPowerFor(manifest.constraints, manifest.publicInputs.length)));
}
