import { join } from 'node:path';
import type { VerificationKey } from '../groth16-json.js';
import { assertContributedKey } from '../artifacts/loader.js';
import { preparedDomains, preparePhase2ForDomains } from './prepare-phase2.js';
import {
  beaconPhase1,
  beaconPhase2,
  contributePhase1,
  contributePhase2,
  exportVerificationKey,
  newAccumulator,
  newZKey,
  openSetupCurve,
  type SetupLogger,
} from './steps.js';

/**
 * The Groth16 setup played by one process: powers of tau (a new accumulator, one contribution,
 * a beacon), phase 2 prepared for the circuits' domains, then per circuit a new proving key, one
 * contribution and a beacon, and its verification key. The tests' keys and the devnet's demo
 * ceremony (`consortium-setup ceremony demo`) are this sequence; the multi-party ceremony
 * (libs/ceremony) is made of the same steps, with one contribution per member in each phase.
 *
 * INSECURE by construction: this process saw every contribution's secret, so whoever ran it could
 * forge proofs. For tests and a devnet only.
 */

/** One step of the sequence, as a caller's progress display names and sizes it. */
export interface SinglePartyStep {
  readonly kind: 'ptau-new' | 'ptau-contribute' | 'ptau-beacon' | 'prepare-phase2' | 'new-zkey' | 'zkey-contribute' | 'zkey-beacon';
  /** The circuit of a phase-2 step. */
  readonly circuit?: string;
  /** Powers of tau 2^power of the whole setup. */
  readonly power: number;
  /** prepare-phase2: per section, the domains (log2) transformed. */
  readonly domains?: Readonly<Record<string, readonly number[]>>;
}

export interface SinglePartyCircuit {
  readonly name: string;
  readonly r1csPath: string;
  /** log2 of its Groth16 domain (groth16DomainPower of @consortium/circuits). */
  readonly domainPower: number;
}

export interface SinglePartyOptions {
  /** A folder of its own for the intermediate files (pot_0.ptau, <circuit>_0.zkey, ...); the caller removes it. */
  readonly workDir: string;
  readonly power: number;
  readonly circuits: readonly SinglePartyCircuit[];
  /** The name recorded with each contribution and beacon in the files. */
  readonly contributionName: string;
  /** Hex; `randomBeaconHex()` for the demo, a fixed value for test keys. */
  readonly ptauBeaconHex: string;
  /** Per circuit; defaults to `ptauBeaconHex`. */
  readonly zkeyBeaconHex?: (circuit: string) => string;
  readonly beaconIterationsExp: number;
  /** Wraps each step (a progress bar); it hands the step a logger for snarkjs's lines. Default: runs it. */
  readonly runStep?: <T>(step: SinglePartyStep, run: (logger?: SetupLogger) => Promise<T>) => Promise<T>;
}

export interface SinglePartyResult {
  readonly ptau: {
    /** Phase 1's final file (after the beacon): complete, from which any domain can be prepared. */
    readonly finalPath: string;
    /** Prepared for these circuits' domains only (preparePhase2ForDomains). */
    readonly preparedPath: string;
    readonly contributionHash: string;
    readonly beaconHex: string;
    readonly beaconHash: string;
  };
  readonly circuits: Readonly<
    Record<
      string,
      {
        readonly zkeyPath: string;
        readonly vkey: VerificationKey;
        readonly circuitHash: string;
        readonly contributionHash: string;
        readonly beaconHex: string;
        readonly beaconHash: string;
      }
    >
  >;
}

/** Where the sequence writes in its working folder. */
export const singlePartyFiles = (workDir: string) => ({
  ptau: (name: 'new' | 'contributed' | 'final' | 'prepared') => join(workDir, `pot_${name}.ptau`),
  zkey: (circuit: string, name: 'new' | 'contributed' | 'final') => join(workDir, `${circuit}_${name}.zkey`),
});

export async function runSinglePartySetup(options: SinglePartyOptions): Promise<SinglePartyResult> {
  const { power, circuits, contributionName, beaconIterationsExp } = options;
  if (circuits.length === 0) throw new RangeError('a setup needs at least one circuit');
  const runStep = options.runStep ?? (<T>(_step: SinglePartyStep, run: (logger?: SetupLogger) => Promise<T>) => run());
  const files = singlePartyFiles(options.workDir);
  const curve = await openSetupCurve();
  try {
    await runStep({ kind: 'ptau-new', power }, (logger) => newAccumulator(curve, power, files.ptau('new'), logger));
    const ptauContribution = await runStep({ kind: 'ptau-contribute', power }, (logger) => contributePhase1(files.ptau('new'), files.ptau('contributed'), contributionName, logger));
    const ptauBeacon = await runStep({ kind: 'ptau-beacon', power }, (logger) =>
      beaconPhase1(files.ptau('contributed'), files.ptau('final'), `${contributionName} beacon`, options.ptauBeaconHex, beaconIterationsExp, logger),
    );
    const domainPowers = circuits.map((circuit) => circuit.domainPower);
    await runStep({ kind: 'prepare-phase2', power, domains: preparedDomains(power, domainPowers) }, (logger) =>
      preparePhase2ForDomains(curve, files.ptau('final'), files.ptau('prepared'), domainPowers, logger),
    );

    const keys: Record<string, SinglePartyResult['circuits'][string]> = {};
    for (const { name, r1csPath } of circuits) {
      const circuitHash = await runStep({ kind: 'new-zkey', circuit: name, power }, (logger) => newZKey(r1csPath, files.ptau('prepared'), files.zkey(name, 'new'), logger));
      const contributionHash = await runStep({ kind: 'zkey-contribute', circuit: name, power }, (logger) =>
        contributePhase2(files.zkey(name, 'new'), files.zkey(name, 'contributed'), contributionName, logger),
      );
      const beaconHex = options.zkeyBeaconHex?.(name) ?? options.ptauBeaconHex;
      const { beaconHash, vkey } = await runStep({ kind: 'zkey-beacon', circuit: name, power }, async (logger) => {
        const hash = await beaconPhase2(files.zkey(name, 'contributed'), files.zkey(name, 'final'), `${contributionName} beacon`, beaconHex, beaconIterationsExp, logger);
        const exported = await exportVerificationKey(files.zkey(name, 'final'), logger);
        // A key whose phase 2 had no contribution lets anyone forge proofs; nodes refuse it, and so does the setup.
        assertContributedKey(exported, `the verification key of ${name}`);
        return { beaconHash: hash, vkey: exported };
      });
      keys[name] = { zkeyPath: files.zkey(name, 'final'), vkey, circuitHash, contributionHash, beaconHex, beaconHash };
    }
    return {
      ptau: { finalPath: files.ptau('final'), preparedPath: files.ptau('prepared'), contributionHash: ptauContribution, beaconHex: options.ptauBeaconHex, beaconHash: ptauBeacon },
      circuits: keys,
    };
  } finally {
    await curve.terminate();
  }
}
