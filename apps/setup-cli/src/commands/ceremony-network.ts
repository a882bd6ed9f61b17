import { join, resolve } from 'node:path';
import {
  CeremonyAbortedError,
  CeremonyCoordinator,
  CeremonyError,
  CeremonyParticipant,
  CeremonyWorkspace,
  describeStatusChange,
  laneName,
  type CeremonyStatus,
  type PartyStep,
  type PartyStepTracker,
} from '@consortium/ceremony';
import { buildCircuit } from '@consortium/circuits';
import { toHex } from '@consortium/consensus';
import { loadNodeConfig, NodeConfigError } from '@consortium/node-config';
import { nodeKeyFromJson, P2PNode, peerIdOf } from '@consortium/p2p';
import type { Command } from 'commander';
import { loadIdentity, type CeremonyIdentity } from '../ceremony/identity.js';
import { checkThenCompute } from '../ceremony/step-progress.js';
import { CeremonyInputError, CeremonyRefusedError } from '../errors.js';
import { readGenesisFile, readTextFile } from '../files.js';
import type { Progress, Terminal } from '../output.js';
import { epochOption, examples, hexOption } from './options.js';

/**
 * The distributed mode of the multi-party ceremony: each member's consortium-setup joins over
 * libp2p with its node's identity (node.json: member id, node key, validator key or its PKCS#11
 * URI, genesis, p2p addresses), before the nodes run. The coordinator drives the order and the
 * time limits from the ceremony folder; every member takes its turn from its own copy; files
 * travel between them chunk by chunk; everyone prints the same progress.
 */

interface CeremonyNetwork {
  readonly memberId: string;
  /** Genesis's members in order. */
  readonly genesisMembers: readonly string[];
  readonly node: P2PNode;
  readonly identity: CeremonyIdentity;
  close(): Promise<void>;
}

export function addCeremonyNetworkCommands(ceremony: Command, terminal: Terminal): void {
  ceremony
    .command('coordinate')
    .summary('coordinator: run the started ceremony over libp2p while every member joins')
    .description(
      'Runs the ceremony of --dir (planned, signed by every member, started) over libp2p: opens each lane, waits for each member\'s ' +
        'contribution in the plan\'s order up to the plan\'s time limit (then skips the member or aborts, by the plan), fetches and checks ' +
        'each contribution before taking it (a refused one is named; the member may try again in its time), closes each lane with --beacon, ' +
        'writes the keys and attests (it checked every file as it took it), and collects every member\'s attestation. Stopped or crashed, run it again: ' +
        'it resumes from the last verified contribution. Its node must not be running (the same p2p address).',
    )
    .requiredOption('--dir <dir>', 'the started ceremony folder (consortium-setup ceremony start)')
    .requiredOption('--config <node.json>', "the coordinator's node.json: its member id, node and validator keys, genesis and p2p addresses")
    .requiredOption('--beacon <hex>', "the beacon value, from the plan's source fixed in advance", hexOption)
    .option('--epoch <n>', 'the key epoch the keys are for', epochOption, 1)
    .addHelpText('after', examples('consortium-setup ceremony coordinate --dir ./ceremony --config ./T-Mobile-DE/node.json --beacon 5f3c...'))
    .action(async (options: { dir: string; config: string; beacon: string; epoch: number }) => {
      const { out, progress } = terminal;
      const dir = resolve(options.dir);
      const workspace = await CeremonyWorkspace.open(dir).catch((error: unknown) => {
        if (error instanceof CeremonyError) throw new CeremonyInputError(`${dir} is not a started ceremony: ${error.message}`, 'Plan it, have every member sign-plan, then `consortium-setup ceremony start`.');
        throw error;
      });
      const network = await openCeremonyNetwork(options.config);
      try {
        const { plan } = workspace.transcript;
        if (plan.coordinator !== network.memberId) throw new CeremonyInputError(`${network.memberId} is not the coordinator of this ceremony (${plan.coordinator} is)`, `Run \`consortium-setup ceremony join\` as ${network.memberId}, or coordinate with ${plan.coordinator}'s node.json.`);
        checkPlanKey(network, plan.members);
        const circuits = [];
        for (const circuit of plan.circuits) {
          const built = await buildCircuit(circuit.name);
          circuits.push({ name: circuit.name, constraints: built.manifest.constraints, wasm: join(dir, 'circuits', `${circuit.name}.wasm`) });
        }
        out.line(`coordinating ${plan.ceremonyId} as ${network.memberId} on ${network.node.listenAddresses().join(', ')}: ${plan.members.length} members, ${plan.members.map((member) => member.id).join(', ')}`);
        const coordinator = new CeremonyCoordinator({
          workspace,
          signer: network.identity.signer,
          transport: network.node,
          beaconHex: options.beacon,
          keys: { epoch: options.epoch, circuits },
          onStatus: statusPrinter(progress),
          onRefused: (from, refusal, reason) => progress.note(`refused a request of ${from} (${refusal}): ${reason}`),
          track: stepTracker(progress, () => plan.phase1.power),
        });
        const final = await runOrExplain(() => coordinator.run());
        out.line(`ceremony ${plan.ceremonyId} complete: ${final.transcript.attestations.length} attestations; keys in ${workspace.folder.keys}`);
        progress.note(`\nNext: anyone can check it all: consortium-setup ceremony verify ${options.dir}; merge ${join(options.dir, 'keys', 'genesis-artifacts.json')} into genesis.`);
      } finally {
        await network.close();
      }
    });

  ceremony
    .command('join')
    .summary("member: take part in the coordinator's ceremony over libp2p")
    .description(
      "Joins the ceremony the plan's coordinator runs (consortium-setup ceremony coordinate) and follows it. In this member's turn: fetches " +
        'what it builds on into --dir, checks every earlier contribution, contributes with randomness that never touches disk, and hands ' +
        'the result over. Once every lane is closed: fetches every file, checks the whole ceremony and attests the final hashes only if they ' +
        'are what it found; then collects the keys into --dir/keys. Stopped or crashed, run it again: it picks up where the ceremony is. ' +
        'Its node must not be running (the same p2p address).',
    )
    .requiredOption('--dir <dir>', "this member's copy of the ceremony folder (made if new)")
    .requiredOption('--config <node.json>', "this member's node.json: its member id, node and validator keys, genesis and p2p addresses")
    .option('--coordinator <member>', "the ceremony's coordinator (default: genesis's first member, as `ceremony plan` chooses)")
    .addHelpText('after', examples('consortium-setup ceremony join --dir ./ceremony --config ./Orange-FR/node.json'))
    .action(async (options: { dir: string; config: string; coordinator?: string }) => {
      const { out, progress } = terminal;
      const network = await openCeremonyNetwork(options.config);
      try {
        const coordinator = options.coordinator ?? network.genesisMembers[0]!;
        if (!network.genesisMembers.includes(coordinator)) throw new CeremonyInputError(`${coordinator} is not a member of genesis`, `Name one of ${network.genesisMembers.join(', ')}.`);
        out.line(`${network.memberId} joins the ceremony of ${coordinator} from ${network.node.listenAddresses().join(', ')}`);
        let checkedKey = false;
        let power: number | null = null;
        const printStatus = statusPrinter(progress);
        const participant = new CeremonyParticipant({
          dir: resolve(options.dir),
          memberId: network.memberId,
          signer: network.identity.signer,
          transport: network.node,
          coordinator,
          onStatus: (status) => {
            if (!checkedKey) {
              checkPlanKey(network, status.transcript.plan.members);
              checkedKey = true;
            }
            power = status.transcript.plan.phase1.power;
            printStatus(status);
          },
          onActivity: (activity) => progress.note(activity),
          onRefused: (from, refusal, reason) => progress.note(`refused a request of ${from} (${refusal}): ${reason}`),
          track: stepTracker(progress, () => power),
        });
        const final = await runOrExplain(() => participant.run());
        out.line(`${network.memberId}: ceremony ${final.transcript.plan.ceremonyId} complete; the whole ceremony and its keys are in ${resolve(options.dir)}`);
        progress.note(`\nNext: point node.json's keysDir at ${join(options.dir, 'keys')} once genesis pins its genesis-artifacts.json.`);
      } finally {
        await network.close();
      }
    });
}

async function openCeremonyNetwork(configFile: string): Promise<CeremonyNetwork> {
  let config: Awaited<ReturnType<typeof loadNodeConfig>>;
  try {
    config = await loadNodeConfig(configFile);
  } catch (error) {
    if (error instanceof NodeConfigError) throw new CeremonyInputError(error.message, "Give --config the member's node.json (as consortium-setup devnet or genesis wrote it).");
    throw error;
  }
  const genesis = await readGenesisFile(config.genesisFile, (problem) => new CeremonyInputError(problem, 'Fix genesisFile in node.json.'));
  const self = genesis.members.find((member) => member.id === config.memberId);
  if (self === undefined) throw new CeremonyInputError(`${config.memberId} is not a member of ${config.genesisFile}`, 'Use the node.json of a member of this genesis.');
  const nodeKey = nodeKeyFromJson(await readTextFile(config.nodeKeyFile));
  if (peerIdOf(nodeKey) !== self.peerId) throw new CeremonyInputError(`${config.nodeKeyFile} has peer id ${peerIdOf(nodeKey)}; genesis gives ${config.memberId} ${self.peerId}`, "Use the member's own node-key.json.");
  const identity = await loadIdentity((config.validatorKeyFile ?? config.validatorKeyPkcs11Uri)!, config.memberId);
  if (identity.publicKeyHex !== toHex(self.publicKey)) {
    identity.close();
    throw new CeremonyInputError(`the validator key of ${configFile} is not the identity key genesis gives ${config.memberId}`, "Point node.json at the member's validator key of genesis.");
  }
  const node = await P2PNode.create({
    memberId: config.memberId,
    privateKey: nodeKey,
    listenAddresses: config.p2p.listen,
    members: genesis.members.map((member) => ({ id: member.id, peerId: member.peerId, addresses: config.p2p.peers[member.id] ?? [] })),
    metrics: null,
    logger: null,
  });
  await node.start();
  return {
    memberId: config.memberId,
    genesisMembers: genesis.members.map((member) => member.id),
    node,
    identity,
    close: async () => {
      await node.stop();
      identity.close();
    },
  };
}

function checkPlanKey(network: CeremonyNetwork, members: readonly { readonly id: string; readonly publicKey: string }[]): void {
  const member = members.find((candidate) => candidate.id === network.memberId);
  if (member === undefined) throw new CeremonyRefusedError(`${network.memberId} is not a member of this ceremony's plan`, 'Check that the coordinator runs the ceremony of this chain.');
  if (member.publicKey !== network.identity.publicKeyHex) throw new CeremonyRefusedError(`the plan gives ${network.memberId} another identity key than its validator key`, 'Check the plan against genesis with the coordinator.');
}

/** Prints what changed since the last status, one line each, with the time. */
function statusPrinter(progress: Progress): (status: CeremonyStatus) => void {
  let previous: CeremonyStatus | null = null;
  return (status) => {
    for (const line of describeStatusChange(previous, status)) progress.note(`${new Date().toISOString().slice(11, 19)}  ${line}`);
    previous = status;
  };
}

/** A progress bar per long step: snarkjs's lines move it where the step has them; bytes for a fetch. */
function stepTracker(progress: Progress, powerOfPlan: () => number | null): PartyStepTracker {
  return (step, body) =>
    progress.track(stepTitle(step), (bar) => {
      const planPower = powerOfPlan();
      if (step.kind === 'fetch') return body({ onBytes: (received, total) => bar.fraction(received / total) });
      if ((step.kind === 'contribute' || step.kind === 'beacon') && planPower !== null) {
        const task = step.lane.phase === 1 ? (step.kind === 'contribute' ? 'ptau-contribute' : 'ptau-beacon') : step.kind === 'contribute' ? 'zkey-contribute' : 'zkey-beacon';
        return body(checkThenCompute(bar, task, planPower));
      }
      return body({});
    });
}

function stepTitle(step: PartyStep): string {
  switch (step.kind) {
    case 'fetch':
      return `fetch ${step.path} (${(step.size / 1024 / 1024).toFixed(1)} MiB)`;
    case 'open':
      return `open ${laneName(step.lane)}`;
    case 'contribute':
      return `check ${laneName(step.lane)} so far, then contribute`;
    case 'beacon':
      return `check ${laneName(step.lane)}, then close it with the beacon`;
    case 'accept':
      return `check ${step.member}'s contribution to ${laneName(step.lane)}`;
    case 'keys':
      return 'write the keys';
    case 'verify':
      return 'check the whole ceremony before attesting';
  }
}

async function runOrExplain<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CeremonyAbortedError) throw new CeremonyRefusedError(error.message, 'The keys of this ceremony must not be used. Agree on a new plan (or a longer time limit) and run it again.');
    if (error instanceof CeremonyError) throw new CeremonyRefusedError(error.message, 'Stop and tell the other members; run the command again to resume once the cause is fixed.');
    throw error;
  }
}
