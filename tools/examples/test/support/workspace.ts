import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The libraries an operator's tool imports, where they live, and whether their dist/ is at least
 * as new as their sources. The tests of this package use the built output; Nx builds it first
 * (`test` and `test:e2e` depend on `^build`), and a run of vitest by hand says what to do.
 */

export const REPOSITORY_ROOT = resolve(import.meta.dirname, '../../../..');

/** Every library (and the circuits package they depend on), with a few names its entry must export. */
export const LIBRARIES = [
  { name: '@consortium/telemetry', dir: 'libs/telemetry', exports: ['setupTelemetry', 'metricCatalogue', 'createZkpMetrics'] },
  { name: '@consortium/node-config', dir: 'libs/node-config', exports: ['parseNodeConfig', 'loadNodeConfig', 'NodeConfigError', 'hashApiToken'] },
  { name: '@consortium/p2p', dir: 'libs/p2p', exports: ['P2PNode', 'generateNodeKey', 'createMembersOnlyGater', 'PROTOCOL_IDS'] },
  { name: '@consortium/consensus', dir: 'libs/consensus', exports: ['parseGenesis', 'ConsensusNode', 'sha256', 'toHex', 'verifyCommitCertificate'] },
  { name: '@consortium/zkp', dir: 'libs/zkp', exports: ['Groth16Verifier', 'VerificationKeys', 'batchCommitment', 'publicSignalsOf', 'loadEpoch', 'ProverPool'] },
  // The ceremony's entry is empty until its issue brings the code: it must still load.
  { name: '@consortium/ceremony', dir: 'libs/ceremony', exports: [] },
  { name: '@consortium/settlement', dir: 'libs/settlement', exports: ['SettlementApplication', 'recordsDigest', 'statementProof', 'settlementToJson', 'toSettlementBatch'] },
  { name: '@consortium/circuits', dir: 'circuits', exports: ['circuitDefinition', 'sha256File', 'SETTLEMENT_SERVICES'] },
] as const;

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The libraries whose dist/ is missing or older than a file of their src/, with why. */
export function staleBuilds(): string[] {
  const stale: string[] = [];
  for (const library of LIBRARIES) {
    const dir = join(REPOSITORY_ROOT, library.dir);
    const entry = join(dir, 'dist/index.js');
    if (!existsSync(entry)) stale.push(`${library.dir}/dist/index.js is missing`);
    else if (newestMtimeMs(join(dir, 'src')) > newestMtimeMs(join(dir, 'dist'))) stale.push(`${library.dir}/dist is older than ${library.dir}/src`);
  }
  return stale;
}

export const BUILD_HINT = 'build the libraries first: `npm run build` (or `npx nx test @consortium/examples`, which builds them)';
