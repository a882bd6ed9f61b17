import { isDeepStrictEqual } from 'node:util';
import { GenesisValidationError, genesisToJson, parseGenesis, type Genesis } from '@consortium/consensus';
import { hostileJson } from '../arbitraries/hostile.js';
import { fuzzConsortium } from '../fixtures/consensus-chain.js';
import { decodeWith, expectThat, type FuzzTarget } from '../target.js';

/**
 * parseGenesis (libs/consensus genesis/parse.ts) on genesis documents as JSON.parse gives them.
 * Refusal: GenesisValidationError, listing every problem with the path of its field. A parsed
 * genesis written out with genesisToJson parses to the same genesis.
 */

/** Where each problem must start: the path of a field, from one of the document's (`members[2].tadig: ...`), or the document itself. */
const PROBLEM_PATH = /^(chainId|genesisTime|members|consensus|artifacts|trustedSetup|network|application)([.[].*?)?: |^the document /;

function seedDocuments(): unknown[] {
  const { genesis } = fuzzConsortium(5);
  const pinned: Genesis = {
    ...genesis,
    chainId: 'sp-consortium',
    artifacts: { 'epoch-1/settlement-4.zkey': 'a'.repeat(64), 'epoch-1/settlement-4.vkey': 'b'.repeat(64), 'epoch-1/settlement-4.wasm': 'c'.repeat(64) },
    trustedSetup: { kind: 'ceremony', transcriptSha256: 'd'.repeat(64) },
    network: 'production',
    application: 'settlement',
  };
  const demo: Genesis = { ...pinned, trustedSetup: { kind: 'demo', transcriptSha256: null }, network: 'devnet' };
  return [genesis, pinned, demo, { ...genesis, application: 'kv-test' as const }].map((g) => genesisToJson(g));
}

export const genesisTarget: FuzzTarget<unknown> = {
  name: 'genesis',
  description: 'parseGenesis on genesis JSON documents; GenesisValidationError naming the path of every problem, else a round trip through genesisToJson',
  open() {
    return Promise.resolve({
      inputs: hostileJson(seedDocuments()),
      check: ({ value }) =>
        decodeWith(() => parseGenesis(value), [GenesisValidationError], 'parseGenesis', {
          onValue: (genesis) => expectThat(isDeepStrictEqual(parseGenesis(genesisToJson(genesis)), genesis), 'a parsed genesis does not survive genesisToJson and parseGenesis'),
          onRefusal: (error) => checkProblems(error as GenesisValidationError),
        }),
      close: () => Promise.resolve(),
    });
  },
};

/** The problems of a refusal: at least one, each naming where. */
function checkProblems(error: GenesisValidationError): void {
  expectThat(error.problems.length > 0, 'GenesisValidationError without a problem');
  for (const problem of error.problems) expectThat(PROBLEM_PATH.test(problem), `a genesis problem names no path: ${JSON.stringify(problem)}`);
}
