import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The libraries an operator's tool imports, where they live, and whether their dist/ was built.
 * The tests of this package use the built output; Nx builds it first (`test` and `test:e2e`
 * depend on `^build`), and a run of vitest by hand says what to do.
 */

export const REPOSITORY_ROOT = resolve(import.meta.dirname, '../../../..');

/** Every library (and the circuits package they depend on), with a few names its entry must export. */
export const LIBRARIES = [
  { name: '@consortium/telemetry', dir: 'libs/telemetry', exports: ['setupTelemetry', 'metricCatalogue', 'createZkpMetrics'] },
  { name: '@consortium/node-config', dir: 'libs/node-config', exports: ['parseNodeConfig', 'loadNodeConfig', 'NodeConfigError', 'hashApiToken'] },
  { name: '@consortium/p2p', dir: 'libs/p2p', exports: ['P2PNode', 'generateNodeKey', 'createMembersOnlyGater', 'PROTOCOL_IDS'] },
  { name: '@consortium/consensus', dir: 'libs/consensus', exports: ['parseGenesis', 'ConsensusNode', 'sha256', 'toHex', 'verifyCommitCertificate'] },
  { name: '@consortium/zkp', dir: 'libs/zkp', exports: ['Groth16Verifier', 'VerificationKeys', 'batchCommitment', 'publicSignalsOf', 'loadEpoch', 'ProverPool'] },
  { name: '@consortium/ceremony', dir: 'libs/ceremony', exports: ['replayTranscript', 'verifyPlanSignatures', 'planHash', 'TranscriptEntryError'] },
  { name: '@consortium/settlement', dir: 'libs/settlement', exports: ['SettlementApplication', 'recordsDigest', 'statementProof', 'settlementToJson', 'toSettlementBatch'] },
  { name: '@consortium/circuits', dir: 'circuits', exports: ['circuitDefinition', 'sha256File', 'SETTLEMENT_SERVICES'] },
] as const;

/**
 * The libraries whose dist/ entry is missing. Freshness is Nx's job (the test targets depend on
 * `^build`, whose inputs are the sources): comparing file times here would call a dist stale
 * after a checkout that only touched the sources' times, when Nx rightly builds nothing.
 */
export function missingBuilds(): string[] {
  return LIBRARIES.filter((library) => !existsSync(join(REPOSITORY_ROOT, library.dir, 'dist/index.js'))).map((library) => `${library.dir}/dist/index.js is missing`);
}

export const BUILD_HINT = 'build the libraries first: `npm run build` (or `npx nx test @consortium/examples`, which builds them)';
