// A member node that misbehaves on purpose, for the chaos scenarios (byzantine.ts): the real node
// (apps/node's startNode: API, metrics, consensus, the member's own store) whose consensus
// transport is a ByzantineTransport. Run as a process in place of the member's honest node:
//   tsx tools/src/chaos/byzantine-node.ts --config <node.json> --behaviours equivocate,malformed,spam
import { readFile } from 'node:fs/promises';
import { Ed25519Signer, parseGenesis, validatorKeyFromJson } from '@consortium/consensus';
import { loadNodeConfig, startNode } from '@consortium/node';
import { Command, InvalidArgumentError } from 'commander';
import { BYZANTINE_BEHAVIOURS, ByzantineTransport, type ByzantineBehaviour } from './byzantine-transport.js';

const behaviourList = (value: string): ByzantineBehaviour[] => {
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(BYZANTINE_BEHAVIOURS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown behaviour(s) ${unknown.join(', ')}; known: ${BYZANTINE_BEHAVIOURS.join(', ')}`);
  return names as ByzantineBehaviour[];
};

async function main(): Promise<void> {
  const options = new Command('byzantine-node')
    .requiredOption('-c, --config <file>', "the member's node.json")
    .option('--behaviours <list>', `what it does wrong (${BYZANTINE_BEHAVIOURS.join(', ')})`, behaviourList, [...BYZANTINE_BEHAVIOURS])
    .parse()
    .opts<{ config: string; behaviours: ByzantineBehaviour[] }>();
  const config = await loadNodeConfig(options.config);
  if (config.validatorKeyFile === undefined) throw new Error('a Byzantine member signs its conflicting messages itself: its node.json needs validatorKeyFile');
  const genesis = parseGenesis(JSON.parse(await readFile(config.genesisFile, 'utf8')));
  const signer = new Ed25519Signer(validatorKeyFromJson(await readFile(config.validatorKeyFile, 'utf8')).keyPair);
  let byzantine: ByzantineTransport | null = null;
  const node = await startNode(config, {
    wrapTransport: (inner) => (byzantine = new ByzantineTransport(inner, { chainId: genesis.chainId, self: config.memberId, signer, limits: genesis.consensus, behaviours: new Set(options.behaviours) })),
  });
  node.telemetry.logger.warn({ behaviours: options.behaviours }, 'this member is BYZANTINE on purpose (tools/src/chaos): it equivocates, sends malformed frames and spams');
  const stop = () => {
    byzantine?.stop();
    void node.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(`byzantine-node: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
