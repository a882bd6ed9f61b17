import { fromHex } from '@consortium/consensus';
import { SettlementConfigError } from '../errors.js';
import type { CircuitPins } from '../domain/types.js';
import { COUNTERS_ID } from './lookups.js';
import type { KeyEpochRecord } from './records.js';
import { write, type StateWrite } from './store.js';

/**
 * The state at height 0: the key epochs genesis pins. Genesis names each pinned file
 * `epoch-<n>/<circuit>.<zkey|wasm|vkey>` with its sha256 (hex); a circuit is pinned when all
 * three files are. Other artifact names are not settlement's and are left alone.
 */

const PINNED = /^epoch-([1-9][0-9]{0,5})\/([a-z0-9][a-z0-9.-]*)\.(zkey|wasm|vkey)$/;

export function keyEpochsFromGenesis(artifacts: Readonly<Record<string, string>>): KeyEpochRecord[] {
  const epochs = new Map<number, Map<string, Partial<Record<'zkey' | 'wasm' | 'vkey', Uint8Array>>>>();
  for (const [name, sha256] of Object.entries(artifacts)) {
    const match = PINNED.exec(name);
    if (match === null) continue;
    const digest = fromHex(sha256, 32);
    if (digest === null) throw new SettlementConfigError(`genesis artifact ${name}: ${JSON.stringify(sha256)} is not a sha256 in hex`);
    const circuits = epochs.get(Number(match[1])) ?? new Map<string, Partial<Record<'zkey' | 'wasm' | 'vkey', Uint8Array>>>();
    epochs.set(Number(match[1]), circuits);
    const pins = circuits.get(match[2]!) ?? {};
    circuits.set(match[2]!, { ...pins, [match[3]!]: digest });
  }
  const numbers = [...epochs.keys()].sort((a, b) => a - b);
  numbers.forEach((epoch, i) => {
    if (epoch !== i + 1) throw new SettlementConfigError(`genesis pins key epochs ${numbers.join(', ')}: they must be 1, 2, ... without a gap`);
  });
  return numbers.map((epoch) => {
    const pins: CircuitPins[] = [...epochs.get(epoch)!]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([circuit, files]) => {
        if (files.zkey === undefined || files.wasm === undefined || files.vkey === undefined) throw new SettlementConfigError(`genesis pins only some files of ${circuit} in epoch ${epoch}: zkey, wasm and vkey are needed`);
        return { circuit, zkey: files.zkey, wasm: files.wasm, vkey: files.vkey };
      });
    return { epoch, pins, height: 0, activationHeight: 0, verificationKeys: null };
  });
}

/** The writes that make the genesis state (the application applies them before block 1). */
export function genesisWrites(artifacts: Readonly<Record<string, string>>): StateWrite[] {
  const epochs = keyEpochsFromGenesis(artifacts);
  return [
    ...epochs.map((record) => write('keyEpoch', String(record.epoch), record)),
    write('counters', COUNTERS_ID, { latestKeyEpoch: epochs.length, closedPeriods: [] }),
  ];
}
