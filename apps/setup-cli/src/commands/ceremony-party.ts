import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  attest,
  CeremonyError,
  CeremonyVerificationError,
  CeremonyWorkspace,
  checkTranscript,
  contribute,
  describeNextStep,
  laneName,
  PLAN_FORMAT,
  planHash,
  readTranscriptFile,
  renderTranscriptReport,
  sha256OfFile,
  signPlan,
  validatePlan,
  verifyCeremony,
  writeCeremonyKeys,
  writeGenesisFragment,
  writeTranscriptFile,
  type CeremonyCircuitFiles,
  type CeremonyPlan,
  type FinalHashes,
  type PlanSignature,
} from '@consortium/ceremony';
import { buildCircuit } from '@consortium/circuits';
import { toHex } from '@consortium/consensus';
import { withSetupCurve } from '@consortium/zkp';
import { InvalidArgumentError, type Command } from 'commander';
import { loadIdentity } from '../ceremony/identity.js';
import { checkThenCompute } from '../ceremony/step-progress.js';
import { ceremonyPower, selectCircuits } from '../circuit-selection.js';
import { CeremonyInputError, CeremonyRefusedError } from '../errors.js';
import { pathExists, readGenesisFile, readTextFile } from '../files.js';
import type { Terminal } from '../output.js';
import { epochOption, examples, hexOption } from './options.js';

/**
 * The multi-party ceremony's commands (file-based: the folder, or a lane's file with the
 * transcript, passes from machine to machine). The coordinator plans from genesis and starts;
 * every member signs the plan, then contributes in turn (`step` in a shared folder, or
 * `contribute --in --transcript --out` on an air-gapped machine, which the coordinator `accept`s);
 * the coordinator closes each lane with the beacon and `finish`es; every member `attest`s; anyone
 * can `verify` and `report`.
 */

const PLAN_FILE = 'plan.json';
const SIGNATURES_DIR = 'plan-signatures';
const FINAL_HASHES_FILE = 'final-hashes.json';

const minutesOption = (value: string): number => {
  const minutes = Number(value);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new InvalidArgumentError('must be a positive number of minutes');
  return Math.round(minutes * 60_000);
};

const policyOption = (value: string): 'skip' | 'abort' => {
  if (value !== 'skip' && value !== 'abort') throw new InvalidArgumentError('must be skip or abort');
  return value;
};


export function addCeremonyPartyCommands(ceremony: Command, terminal: Terminal): void {
  const { out, progress } = terminal;

  ceremony
    .command('plan')
    .summary('coordinator: write the ceremony plan from genesis, for every member to sign')
    .description(
      'Write <dir>/plan.json: the members in genesis order with their identity keys, the coordinator, phase 1 (made by the members, ' +
        'or a public powers-of-tau file to import), the circuits (built here; their r1cs and wasm are copied into <dir>/circuits), the time ' +
        'limit per contribution, what happens to a member who does not contribute, and the public source of the closing beacon, named now.',
    )
    .requiredOption('--genesis <file>', 'genesis.json: the members and their order')
    .requiredOption('--circuits <names>', 'the circuits (names or a family), as for ceremony demo')
    .requiredOption('--dir <dir>', 'the ceremony folder to create')
    .requiredOption('--beacon-source <text>', 'the public randomness that will close each phase, named in advance (e.g. "the hash of Bitcoin block 930,000")')
    .option('--coordinator <id>', 'the member who drives the ceremony (default: the first member)')
    .option('--ceremony-id <id>', 'unique per ceremony (default: <chain id>/keys-<epoch>)')
    .option('--epoch <n>', 'the key epoch the keys are for', epochOption, 1)
    .option('--import-ptau <file>', 'a public powers-of-tau file for phase 1 (verified in full before use) instead of making it')
    .option('--time-limit <minutes>', 'how long each member has for its contribution', minutesOption, 30 * 60_000)
    .option('--on-missing <policy>', 'a member past its time limit: skip (the next builds on the same file) or abort', policyOption, 'skip')
    .option('--beacon-iterations <exp>', 'the beacon hashes 2^exp times (10 to 63)', (value) => Number(value), 10)
    .addHelpText('after', examples('consortium-setup ceremony plan --genesis genesis.json --circuits settlement --dir ./ceremony --beacon-source "the hash of Bitcoin block 930,000"'))
    .action(async (options: { genesis: string; circuits: string; dir: string; beaconSource: string; coordinator?: string; ceremonyId?: string; epoch: number; importPtau?: string; timeLimit: number; onMissing: 'skip' | 'abort'; beaconIterations: number }) => {
      const dir = resolve(options.dir);
      if (await pathExists(join(dir, PLAN_FILE))) throw new CeremonyInputError(`${join(dir, PLAN_FILE)} exists already`, 'Plan a new ceremony in a new folder.');
      const genesis = await readGenesisFile(options.genesis, (problem) => new CeremonyInputError(problem, 'Give the genesis.json every node starts from.'));
      const names = selectCircuits(options.circuits);
      const built = [];
      for (const name of names) built.push(await progress.track(`circuit ${name}`, () => buildCircuit(name)));
      const power = ceremonyPower(built.map((circuit) => circuit.manifest));
      await mkdir(join(dir, 'circuits'), { recursive: true });
      for (const circuit of built) {
        await copyFile(join(circuit.dir, circuit.manifest.files.r1cs.path), join(dir, 'circuits', `${circuit.manifest.name}.r1cs`));
        await copyFile(join(circuit.dir, circuit.manifest.files.wasm.path), join(dir, 'circuits', `${circuit.manifest.name}.wasm`));
      }
      const phase1: CeremonyPlan['phase1'] =
        options.importPtau === undefined
          ? { source: 'ceremony', power }
          : { source: 'import', power, file: basename(options.importPtau), sha256: await progress.track(`hash ${options.importPtau}`, () => sha256OfFile(options.importPtau!)) };
      if (options.importPtau !== undefined) await copyFile(options.importPtau, join(dir, basename(options.importPtau)));
      const plan: CeremonyPlan = {
        format: PLAN_FORMAT,
        ceremonyId: options.ceremonyId ?? `${genesis.chainId}/keys-${options.epoch}`,
        chainId: genesis.chainId,
        members: genesis.members.map((member) => ({ id: member.id, publicKey: toHex(member.publicKey) })),
        coordinator: options.coordinator ?? genesis.members[0]!.id,
        phase1,
        circuits: built.map((circuit) => ({ name: circuit.manifest.name, r1csSha256: circuit.manifest.files.r1cs.sha256 })),
        contributionTimeLimitMs: options.timeLimit,
        onMissingContribution: options.onMissing,
        beacon: { source: options.beaconSource, iterationsExp: options.beaconIterations },
        createdAt: new Date().toISOString(),
      };
      try {
        validatePlan(plan);
      } catch (error) {
        if (error instanceof CeremonyError) throw new CeremonyInputError(error.message, 'Fix the option it names and plan again.');
        throw error;
      }
      await writeFile(join(dir, PLAN_FILE), `${JSON.stringify(plan, null, 2)}\n`);
      out.line(`ceremony plan ${plan.ceremonyId} written to ${join(dir, PLAN_FILE)} (plan hash ${planHash(plan)})`);
      out.line(`  ${plan.members.length} members in this order: ${plan.members.map((member) => member.id).join(', ')}; coordinator ${plan.coordinator}`);
      out.line(`  phase 1: ${phase1.source === 'ceremony' ? `made by the members at 2^${power}` : `imported from ${phase1.file}`}; circuits: ${names.join(', ')}`);
      progress.note(`\nNext: each member checks the plan hash out of band and signs it:\n  consortium-setup ceremony sign-plan --dir ${options.dir} --member <id> --key <its validator-key.json>`);
    });

  ceremony
    .command('sign-plan')
    .summary("member: sign the ceremony plan with the member's identity key")
    .requiredOption('--dir <dir>', 'the ceremony folder (with plan.json)')
    .requiredOption('--member <id>', 'the member signing')
    .requiredOption('--key <file|uri>', "the member's validator-key.json (its identity key in genesis), or the PKCS#11 URI of that key in an HSM")
    .addHelpText('after', examples('consortium-setup ceremony sign-plan --dir ./ceremony --member Vodafone-UK --key ./keys/validator-key.json'))
    .action(async (options: { dir: string; member: string; key: string }) => {
      const plan = await readPlan(options.dir);
      const member = plan.members.find((candidate) => candidate.id === options.member);
      if (member === undefined) throw new CeremonyInputError(`${options.member} is not a member of the plan (${plan.members.map((m) => m.id).join(', ')})`, 'Sign as one of the plan\'s members.');
      const identity = await loadIdentity(options.key, options.member);
      if (identity.publicKeyHex !== member.publicKey) throw new CeremonyInputError(`the key in ${options.key} is not the identity key genesis gives ${options.member}`, `Use ${options.member}'s validator key of genesis.`);
      const signature = signPlan(plan, options.member, identity.signer);
      await mkdir(join(options.dir, SIGNATURES_DIR), { recursive: true });
      await writeFile(join(options.dir, SIGNATURES_DIR, `${options.member}.json`), `${JSON.stringify(signature, null, 2)}\n`);
      out.line(`${options.member} signed the plan ${plan.ceremonyId} (plan hash ${planHash(plan)})`);
      progress.note(`\nNext: hand ${join(SIGNATURES_DIR, `${options.member}.json`)} to the coordinator, who starts the ceremony once every member has signed.`);
    });

  ceremony
    .command('start')
    .summary('coordinator: start the ceremony once every member signed the plan')
    .requiredOption('--dir <dir>', 'the ceremony folder (plan.json and plan-signatures/)')
    .action(async (options: { dir: string }) => {
      const plan = await readPlan(options.dir);
      const signatures = await readSignatures(options.dir);
      const r1cs = Object.fromEntries(plan.circuits.map((circuit) => [circuit.name, join(options.dir, 'circuits', `${circuit.name}.r1cs`)]));
      let workspace: CeremonyWorkspace;
      try {
        workspace = await CeremonyWorkspace.create(resolve(options.dir), plan, signatures, r1cs);
      } catch (error) {
        if (error instanceof CeremonyError) throw new CeremonyInputError(error.message, 'Collect the missing signature (consortium-setup ceremony sign-plan), then start again.');
        throw error;
      }
      out.line(`ceremony ${plan.ceremonyId} started: every member signed the plan`);
      progress.note(`\nNext: ${describeNextStep(workspace.next()!)}: consortium-setup ceremony step --dir ${options.dir} --member ${plan.coordinator} --key <its validator-key.json>`);
    });

  ceremony
    .command('step')
    .summary("take the member's step when it is due: open or close a lane (coordinator), or contribute")
    .description(
      'In the ceremony folder (a shared one, or this machine\'s copy): checks the lane so far (every earlier contribution, with snarkjs\'s pairing checks, ' +
        'against the transcript), then takes the step due for --member: the coordinator opens a lane or closes it with --beacon; a member contributes ' +
        'with fresh randomness that never touches disk. The transcript gets the signed entry only when the step succeeded.',
    )
    .requiredOption('--dir <dir>', 'the ceremony folder')
    .requiredOption('--member <id>', 'who takes the step')
    .requiredOption('--key <file|uri>', "the member's validator-key.json, or the PKCS#11 URI of that key in an HSM")
    .option('--beacon <hex>', "the coordinator's beacon value, from the plan's source, to close a lane", hexOption)
    .addHelpText('after', examples('consortium-setup ceremony step --dir ./ceremony --member Orange-FR --key ./keys/validator-key.json'))
    .action(async (options: { dir: string; member: string; key: string; beacon?: string }) => {
      const workspace = await CeremonyWorkspace.open(resolve(options.dir));
      const identity = await loadIdentity(options.key, options.member);
      const next = workspace.next();
      if (next === null) throw new CeremonyInputError('the ceremony is complete: every lane is closed', `Next: consortium-setup ceremony finish --dir ${options.dir}`);
      const power = workspace.transcript.plan.phase1.power;
      await withSetupCurve(async (curve) => {
        if (next.kind === 'open') {
          await progress.track(`open ${laneName(next.lane)}`, () => workspace.open(options.member, identity.signer, curve));
        } else if (next.kind === 'beacon') {
          if (options.beacon === undefined) throw new CeremonyInputError(`${describeNextStep(next)} needs the beacon value`, `Take the value from the plan's source (${workspace.transcript.plan.beacon.source}) and pass it as --beacon <hex>.`);
          const task = next.lane.phase === 1 ? 'ptau-beacon' : 'zkey-beacon';
          await progress.track(`check ${laneName(next.lane)}, then close it with the beacon`, (bar) => workspace.close(options.member, identity.signer, curve, options.beacon!, checkThenCompute(bar, task, power)));
        } else {
          const task = next.lane.phase === 1 ? 'ptau-contribute' : 'zkey-contribute';
          await progress.track(`check ${laneName(next.lane)} so far, then contribute as ${options.member}`, (bar) => workspace.contribute(options.member, identity.signer, curve, checkThenCompute(bar, task, power)));
        }
      });
      const after = workspace.next();
      out.line(`${options.member}: done (${workspace.transcript.entries.length} entries in the transcript)`);
      progress.note(after === null ? `\nEvery lane is closed. Next: consortium-setup ceremony finish --dir ${options.dir}` : `\nNext: ${describeNextStep(after)}`);
    });

  ceremony
    .command('skip')
    .summary('coordinator: pass over the member whose time limit is over (or abort, by the plan)')
    .requiredOption('--dir <dir>', 'the ceremony folder')
    .requiredOption('--member <id>', 'the coordinator')
    .requiredOption('--key <file|uri>', "the coordinator's validator-key.json, or the PKCS#11 URI of that key in an HSM")
    .requiredOption('--reason <text>', 'why, for the transcript')
    .action(async (options: { dir: string; member: string; key: string; reason: string }) => {
      const workspace = await CeremonyWorkspace.open(resolve(options.dir));
      const identity = await loadIdentity(options.key, options.member);
      const { entry } = await workspace.skip(options.member, identity.signer, options.reason);
      out.line(`${(entry as { member: string }).member} skipped: ${options.reason}`);
      progress.note(`\nNext: ${describeNextStep(workspace.next()!)}`);
    });

  ceremony
    .command('contribute')
    .summary("member, air-gapped: contribute to a lane's file handed over with the transcript")
    .description(
      'On an offline machine: checks --in against --transcript (it must be the lane\'s last verified file; every earlier contribution is verified), ' +
        'writes the contribution to --out and adds the signed entry to --transcript (in place). Hand --out and the transcript back to the coordinator, ' +
        'who accepts them. Phase 2 also needs the lane\'s first key and the prepared powers of tau (--init, --prepared; default: found by their hash next to the transcript).',
    )
    .requiredOption('--in <file>', "the lane's current file")
    .requiredOption('--transcript <file>', 'transcript.json (updated in place)')
    .requiredOption('--member <id>', 'the member contributing')
    .requiredOption('--key <file|uri>', "the member's validator-key.json, or the PKCS#11 URI of that key in an HSM")
    .requiredOption('--out <file>', 'where to write the contribution')
    .option('--init <zkey>', "phase 2: the lane's first proving key")
    .option('--prepared <ptau>', "phase 2: phase 1's final file prepared for the circuits")
    .addHelpText('after', examples('consortium-setup ceremony contribute --in 004-Orange-FR.ptau --transcript transcript.json --member Telenor-NO --key ./keys/validator-key.json --out telenor.ptau'))
    .action(async (options: { in: string; transcript: string; member: string; key: string; out: string; init?: string; prepared?: string }) => {
      const transcript = await readTranscriptFile(options.transcript);
      const state = checkTranscript(transcript);
      const identity = await loadIdentity(options.key, options.member);
      const next = state.next;
      if (next === null || next.kind !== 'contribution') throw new CeremonyInputError(`no contribution is due: the transcript waits for ${next === null ? 'nothing (complete)' : describeNextStep(next)}`, 'Ask the coordinator for the latest transcript.');
      let phase2: { initZkey: string; preparedPtau: string } | undefined;
      if (next.lane.phase === 2) {
        const folder = dirname(resolve(options.transcript));
        const workspace = await CeremonyWorkspace.open(folder);
        const opened = transcript.entries.find((entry) => entry.kind === 'open' && entry.lane.phase === 2 && entry.lane.circuit === (next.lane as { circuit: string }).circuit) as { outputSha256: string } | undefined;
        phase2 = {
          initZkey: options.init ?? (await workspace.fileWithSha256(opened!.outputSha256)),
          preparedPtau: options.prepared ?? workspace.folder.preparedPtau,
        };
      }
      const task = next.lane.phase === 1 ? 'ptau-contribute' : 'zkey-contribute';
      const result = await withSetupCurve((curve) =>
        progress.track(`check ${laneName(next.lane)} so far, then contribute as ${options.member}`, (bar) =>
          contribute({ transcript, member: options.member, signer: identity.signer, curve, input: options.in, output: options.out, phase2, ...checkThenCompute(bar, task, transcript.plan.phase1.power) }),
        ),
      );
      await writeTranscriptFile(options.transcript, result.transcript);
      out.line(`${options.member} contributed to ${laneName(next.lane)}: ${options.out} (sha256 ${(result.entry as { outputSha256: string }).outputSha256.slice(0, 16)}…)`);
      progress.note(`\nNext: hand ${options.out} and ${options.transcript} to the coordinator: consortium-setup ceremony accept --dir <ceremony folder> --transcript ${basename(options.transcript)} --file ${basename(options.out)}`);
    });

  ceremony
    .command('accept')
    .summary("coordinator: take a member's contribution handed over with its transcript, after checking it")
    .requiredOption('--dir <dir>', 'the ceremony folder')
    .requiredOption('--transcript <file>', "the member's transcript.json")
    .requiredOption('--file <files...>', 'the files it made')
    .action(async (options: { dir: string; transcript: string; file: string[] }) => {
      const workspace = await CeremonyWorkspace.open(resolve(options.dir));
      const theirs = await readTranscriptFile(options.transcript);
      const accepted = await withSetupCurve((curve) => progress.track('check the handed-over contribution', () => workspace.accept(theirs, options.file, curve)));
      out.line(`accepted ${accepted} entr${accepted === 1 ? 'y' : 'ies'}`);
      const next = workspace.next();
      progress.note(next === null ? `\nEvery lane is closed. Next: consortium-setup ceremony finish --dir ${options.dir}` : `\nNext: ${describeNextStep(next)}`);
    });

  ceremony
    .command('finish')
    .summary('coordinator: write the keys once every lane is closed, for the members to attest')
    .requiredOption('--dir <dir>', 'the ceremony folder')
    .option('--epoch <n>', 'the key epoch the keys are for', epochOption, 1)
    .action(async (options: { dir: string; epoch: number }) => {
      const workspace = await CeremonyWorkspace.open(resolve(options.dir));
      const { plan } = workspace.transcript;
      const circuits: CeremonyCircuitFiles[] = [];
      for (const circuit of plan.circuits) {
        const built = await buildCircuit(circuit.name);
        circuits.push({
          name: circuit.name,
          constraints: built.manifest.constraints,
          r1cs: workspace.folder.r1cs(circuit.name),
          wasm: join(options.dir, 'circuits', `${circuit.name}.wasm`),
          zkey: await workspace.currentFile({ phase: 2, circuit: circuit.name }),
        });
      }
      const keys = await progress.track(`write the keys to ${workspace.folder.keys}`, async () =>
        writeCeremonyKeys({ transcript: workspace.transcript, keysDir: workspace.folder.keys, epoch: options.epoch, phase1Final: await workspace.phase1Final(), circuits }),
      );
      await writeFile(join(options.dir, FINAL_HASHES_FILE), `${JSON.stringify(keys.finalHashes, null, 2)}\n`);
      out.line(`keys of epoch ${options.epoch} written to ${workspace.folder.keys}; final hashes in ${join(options.dir, FINAL_HASHES_FILE)}`);
      progress.note(`\nNext: every member checks the whole ceremony and attests:\n  consortium-setup ceremony attest --dir ${options.dir} --member <id> --key <its validator-key.json>`);
    });

  ceremony
    .command('attest')
    .summary('member: check the whole ceremony, then sign its final hashes')
    .requiredOption('--dir <dir>', 'the ceremony folder (after finish)')
    .requiredOption('--member <id>', 'the member attesting')
    .requiredOption('--key <file|uri>', "the member's validator-key.json, or the PKCS#11 URI of that key in an HSM")
    .action(async (options: { dir: string; member: string; key: string }) => {
      const dir = resolve(options.dir);
      const identity = await loadIdentity(options.key, options.member);
      const report = await runVerification(dir, terminal, 'skip');
      const hashes = JSON.parse(await readTextFile(join(dir, FINAL_HASHES_FILE))) as FinalHashes;
      if (JSON.stringify(hashes) !== JSON.stringify(report.finalHashes)) throw new CeremonyRefusedError(`${FINAL_HASHES_FILE} does not hold the hashes this check found`, 'Do not attest: ask the coordinator to run finish again.');
      const transcript = attest(await readTranscriptFile(join(dir, 'transcript.json')), hashes, options.member, identity.signer);
      await writeTranscriptFile(join(dir, 'transcript.json'), transcript);
      out.line(`${options.member} attested the final hashes (${transcript.attestations.length} of ${transcript.plan.members.length})`);
      if (transcript.attestations.length === transcript.plan.members.length) {
        const manifest = JSON.parse(await readTextFile(join(dir, 'keys', 'keys-manifest.json'))) as Parameters<typeof writeGenesisFragment>[1];
        await writeGenesisFragment(join(dir, 'keys'), manifest, await sha256OfFile(join(dir, 'transcript.json')));
        out.line(`every member attested: ${join(dir, 'keys', 'genesis-artifacts.json')} pins the keys and the transcript`);
        progress.note(`\nNext: anyone can check it all: consortium-setup ceremony verify ${options.dir}; merge keys/genesis-artifacts.json into genesis.`);
      }
    });

  ceremony
    .command('verify')
    .summary('anyone: re-check a whole ceremony from its folder; names the first problem')
    .description(
      'Re-checks everything from scratch: the plan and every member\'s signature, the transcript (order, signatures, hash chain), every file by its hash, ' +
        'each lane\'s first file re-made, snarkjs\'s verification of each final file and its contributions against the transcript, the beacons, ' +
        'no key with vk_gamma_2 == vk_delta_2, and the attestation by every member. Exits 1 naming the first problem.',
    )
    .argument('<dir>', 'the ceremony folder')
    .action(async (dir: string) => {
      const report = await runVerification(resolve(dir), terminal, 'check');
      out.line(`ceremony ${report.ceremonyId}: every check passed (${report.checks.length})`);
      for (const lane of report.lanes) out.line(`  ${laneName(lane.lane)}: ${lane.contributors.join(', ')}${lane.skipped.length > 0 ? `; skipped ${lane.skipped.join(', ')}` : ''}`);
    });

  ceremony
    .command('report')
    .summary('anyone: the transcript as a readable report')
    .argument('<dir>', 'the ceremony folder')
    .action(async (dir: string) => {
      out.line(renderTranscriptReport(await readTranscriptFile(join(resolve(dir), 'transcript.json'))).trimEnd());
    });
}

async function readPlan(dir: string): Promise<CeremonyPlan> {
  const path = join(dir, PLAN_FILE);
  if (!(await pathExists(path))) throw new CeremonyInputError(`no ${PLAN_FILE} in ${dir}`, 'Run consortium-setup ceremony plan first, or give the folder that has it.');
  const plan = JSON.parse(await readTextFile(path)) as CeremonyPlan;
  // Its member ids and circuit names become file names here (sign-plan, start): checked before any is used.
  try {
    validatePlan(plan);
  } catch (error) {
    if (error instanceof CeremonyError) throw new CeremonyInputError(`${path}: ${error.message}`, 'Take the plan again from the coordinator, or plan the ceremony again (consortium-setup ceremony plan).');
    throw error;
  }
  return plan;
}

async function readSignatures(dir: string): Promise<PlanSignature[]> {
  const folder = join(dir, SIGNATURES_DIR);
  const files = (await readdir(folder).catch(() => [] as string[])).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(files.map(async (name) => JSON.parse(await readTextFile(join(folder, name))) as PlanSignature));
}

async function runVerification(dir: string, { progress }: Terminal, attestations: 'check' | 'skip') {
  try {
    return await verifyCeremony(dir, { attestations, track: (check, body) => progress.track(check, body) });
  } catch (error) {
    if (error instanceof CeremonyVerificationError) throw new CeremonyRefusedError(error.message, 'Do not use these keys. The check names the file, entry or member at fault; fix that (or run the ceremony again) and verify again.');
    throw error;
  }
}
