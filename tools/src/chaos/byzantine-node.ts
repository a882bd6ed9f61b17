// A member node that misbehaves on purpose, for the chaos scenarios (byzantine.ts): the real node
// (apps/node's startNode: API, metrics, consensus, the member's own store) whose consensus
// transport is a ByzantineTransport. Run as a process in place of the member's honest node:
//   tsx tools/src/chaos/byzantine-node.ts --config <node.json> --behaviours equivocate,malformed,spam [--counts-file <file>]
// With --counts-file it writes what it did (ByzantineCounts, and the corrupted proofs with their
// transaction hashes) there as JSON once a second: the scenario, another process, reads it.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { Ed25519Signer, parseGenesis, validatorKeyFromJson } from '@consortium/consensus';
import { loadNodeConfig, startNode } from '@consortium/node';
import { Command, InvalidArgumentError } from 'commander';
import { BYZANTINE_BEHAVIOURS, ByzantineTransport, KEY_VALUE_BEHAVIOURS, type ByzantineBehaviour } from './byzantine-transport.js';

const COUNTS_WRITE_PERIOD_MS = 1_000;

/** The transport's figures as JSON, written whole (a temporary file renamed) so a reader never sees half of it. */
async function writeCounts(file: string, transport: ByzantineTransport): Promise<void> {
  const text = JSON.stringify({ ...transport.counts, corruptedProofs: transport.corruptedProofs() });
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

const behaviourList = (value: string): ByzantineBehaviour[] => {
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(BYZANTINE_BEHAVIOURS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown behaviour(s) ${unknown.join(', ')}; known: ${BYZANTINE_BEHAVIOURS.join(', ')}`);
  return names as ByzantineBehaviour[];
};

async function main(): Promise<void> {
  const options = new Command('byzantine-node')
    .requiredOption('-c, --config <file>', "the member's node.json")
    .option('--behaviours <list>', `what it does wrong (${BYZANTINE_BEHAVIOURS.join(', ')})`, behaviourList, [...KEY_VALUE_BEHAVIOURS])
    .option('--counts-file <file>', 'write what it did there as JSON, once a second')
    .parse()
    .opts<{ config: string; behaviours: ByzantineBehaviour[]; countsFile?: string }>();
  const config = await loadNodeConfig(options.config);
  if (config.validatorKeyFile === undefined) throw new Error('a Byzantine member signs its conflicting messages itself: its node.json needs validatorKeyFile');
  const genesis = parseGenesis(JSON.parse(await readFile(config.genesisFile, 'utf8')));
  const signer = new Ed25519Signer(validatorKeyFromJson(await readFile(config.validatorKeyFile, 'utf8')).keyPair);
  let byzantine: ByzantineTransport | null = null;
  const node = await startNode(config, {
    wrapTransport: (inner) => (byzantine = new ByzantineTransport(inner, { chainId: genesis.chainId, self: config.memberId, signer, limits: genesis.consensus, behaviours: new Set(options.behaviours) })),
  });
  node.telemetry.logger.warn({ behaviours: options.behaviours }, `this member is BYZANTINE on purpose (tools/src/chaos): ${options.behaviours.join(', ')}`);
  const { countsFile } = options;
  const transport = byzantine as ByzantineTransport | null;
  let countsTimer: NodeJS.Timeout | null = null;
  if (countsFile !== undefined && transport !== null) {
    let writing = Promise.resolve();
    countsTimer = setInterval(() => {
      writing = writing.then(async () => writeCounts(countsFile, transport)).catch((error: unknown) => node.telemetry.logger.error({ err: error, countsFile }, 'could not write the Byzantine counts'));
    }, COUNTS_WRITE_PERIOD_MS);
  }
  const stop = () => {
    if (countsTimer !== null) clearInterval(countsTimer);
    transport?.stop();
    const lastCounts = countsFile === undefined || transport === null ? Promise.resolve() : writeCounts(countsFile, transport).catch(() => undefined);
    void lastCounts.then(async () => node.stop()).finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(`byzantine-node: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
