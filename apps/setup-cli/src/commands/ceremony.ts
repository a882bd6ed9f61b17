import { copyFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildCircuit, fileEntry, groth16DomainPower, type BuiltCircuit } from '@consortium/circuits';
import { ArtifactError, loadEpoch, randomBeaconHex, runSinglePartySetup, type KeysManifest, type SinglePartyResult } from '@consortium/zkp';
import type { Command } from 'commander';
import { ceremonyPower, familiesHelp, KNOWN_CIRCUITS, selectCircuits } from '../circuit-selection.js';
import { demoStepRunner } from '../demo-ceremony.js';
import { CeremonyStepError, OutputNotEmptyError } from '../errors.js';
import { ensureDir, isMissingOrEmptyDir } from '../files.js';
import { makeWorkDir, moveIntoPlace, removeOnInterrupt } from '../keys-files.js';
import {
  BEACON_ITERATIONS_EXP,
  buildKeysManifest,
  genesisArtifactsOf,
  INSECURE_WARNING,
  insecureReadme,
  KEYS_FOLDER_FILES,
  keysFolderLayout,
  wrap,
  type CircuitKeysInput,
  type DemoRecord,
} from '../keys-folder.js';
import { formatElapsed, type Printer, type Progress, type Terminal } from '../output.js';
import { addCeremonyNetworkCommands } from './ceremony-network.js';
import { addCeremonyPartyCommands } from './ceremony-party.js';
import { epochOption, examples } from './options.js';

/**
 * `consortium-setup ceremony`: the trusted setup that makes the circuits' proving and
 * verification keys. `demo` is the quick, INSECURE path a devnet uses (one process plays every
 * party); the multi-party ceremony's commands are in ceremony-party.ts.
 */

interface DemoOptions {
  readonly circuits: string;
  readonly out: string;
  readonly epoch: number;
  readonly force?: boolean;
}

const TIMING_HELP =
  '\nHow long it takes (measured on 2 cores; preparing phase 2 is most of it, and grows faster than the circuit):\n' +
  '  settlement-4     2^11  about 1 to 2 minutes       (the test circuit)\n' +
  '  settlement-61    2^12  about 2 to 4 minutes       (the smallest production circuit)\n' +
  '  settlement-344   2^14  about 7 to 10 minutes      (0.5 GB of memory)\n' +
  '  settlement       2^16  settlement-61, -344 and -1433: much longer, about 30 minutes to an hour (1 GB)\n';

export function addCeremonyCommand(program: Command, terminal: Terminal): void {
  const ceremony = program
    .command('ceremony')
    .summary("the trusted setup: make the circuits' proving and verification keys")
    .description(
      "The trusted setup of the circuits' Groth16 keys: powers of tau (phase 1), then per circuit a proving key " +
        'and its verification key (phase 2), each phase closed by a beacon. The multi-party ceremony: the coordinator ' +
        '`plan`s it from genesis, every member `sign-plan`s, the coordinator `start`s; then each takes its `step` in turn ' +
        '(or, on an air-gapped machine, `contribute`s to a file handed over, which the coordinator `accept`s); the coordinator ' +
        '`finish`es, every member `attest`s; anyone can `verify` and `report`. `demo` runs it in one process, which makes ' +
        'the keys INSECURE: for a devnet and tests.',
    );

  ceremony
    .command('demo')
    .summary('INSECURE single-party setup for a devnet or tests: keys in minutes')
    .description(
      'Make the keys of the given circuits in one process: builds the circuits if needed, makes powers of tau ' +
        'locally (nothing is downloaded) at the power the largest circuit needs, one contribution and a random ' +
        'beacon per phase, and writes to --out: per circuit the wasm, r1cs, proving key (<circuit>.INSECURE.zkey) and ' +
        'verification key; the final powers of tau; keys-manifest.json (every file with its sha256, "insecure": true); ' +
        'genesis-artifacts.json (the pins to merge into genesis); README-INSECURE.txt. Run it once before the nodes ' +
        'start; every node loads its keys from that folder.\n\n' +
        'INSECURE: this one process knew the toxic waste (the secret randomness of every contribution), so whoever ' +
        'ran it could forge settlement proofs. For a devnet and tests only; a real consortium runs the multi-party ' +
        'ceremony.',
    )
    .requiredOption('--circuits <family|names>', `a family, ${familiesHelp()}, or a comma-separated list of circuit names (${KNOWN_CIRCUITS.join(', ')})`)
    .requiredOption('--out <dir>', 'folder for the keys; must be empty or new unless --force')
    .option('--epoch <n>', 'key epoch the keys are for (genesis starts with 1; each new ceremony makes the next)', epochOption, 1)
    .option('--force', 'write into a non-empty --out: replaces the files of an earlier ceremony there and leaves anything else alone')
    .addHelpText(
      'after',
      TIMING_HELP +
        examples(
          'consortium-setup ceremony demo --circuits settlement --out ./keys',
          'consortium-setup ceremony demo --circuits settlement-344 --out ./keys --force',
          'consortium-setup ceremony demo --circuits settlement-4 --out ./test-keys --epoch 2',
        ),
    )
    .action((options: DemoOptions) => runDemo(options, terminal));

  addCeremonyPartyCommands(ceremony, terminal);
  addCeremonyNetworkCommands(ceremony, terminal);
}

async function runDemo(options: DemoOptions, { out, progress }: Terminal): Promise<void> {
  const started = Date.now();
  const s = progress.styled;
  progress.note(s.yellow(`⚠ ${wrap(INSECURE_WARNING, 98).join('\n  ')}\n`));
  const names = selectCircuits(options.circuits);
  const dir = resolve(options.out);
  const force = options.force === true;
  if (!force && !(await isMissingOrEmptyDir(dir))) throw new OutputNotEmptyError(dir, 'the files of the earlier ceremony in it (anything else is left alone)');

  const circuits: BuiltCircuit[] = [];
  for (const name of names) circuits.push(await buildStep(progress, name));
  const power = ceremonyPower(circuits.map((circuit) => circuit.manifest));
  const layout = keysFolderLayout(names, power);

  const { manifest, record, strangers } = await inWorkingFolder(dir, progress, async (work) => {
    // The sequence the tests' keys use too (runSinglePartySetup of @consortium/zkp). Phase 2 is
    // prepared for these circuits' domains only, in the working folder; the keys folder keeps
    // phase 1's final file (complete, from which snarkjs prepares any domain).
    const setup = await runSinglePartySetup({
      workDir: work,
      power,
      circuits: circuits.map(({ dir: circuitDir, manifest: m }) => ({
        name: m.name,
        r1csPath: join(circuitDir, m.files.r1cs.path),
        domainPower: groth16DomainPower(m.constraints, m.publicInputs.length),
      })),
      contributionName: 'consortium-setup demo (INSECURE)',
      ptauBeaconHex: randomBeaconHex(),
      zkeyBeaconHex: () => randomBeaconHex(),
      beaconIterationsExp: BEACON_ITERATIONS_EXP,
      runStep: demoStepRunner(progress),
    });
    await rename(setup.ptau.finalPath, join(work, layout.ptau));
    for (const circuit of circuits) {
      const names = layout.circuits[circuit.manifest.name]!;
      const keys = setup.circuits[circuit.manifest.name]!;
      await rename(keys.zkeyPath, join(work, names.zkey));
      await writeFile(join(work, names.vkey), `${JSON.stringify(keys.vkey, null, 2)}\n`);
    }
    const record = demoRecordOf(setup);

    const written = await progress.track(`write the keys to ${dir}`, async () => {
      const folder = await writeKeysFolder(work, circuits, layout, options.epoch, power, record);
      return { manifest: folder.manifest, strangers: await moveIntoPlace(work, dir, folder.files, force) };
    });
    await progress.track(`check ${dir} as a node loads it`, async (step) => {
      await checkAsNode(dir, written.manifest);
      step.outcome('every pinned hash matches, every verification key had its contribution');
    });
    return { ...written, record };
  });

  if (strangers.length > 0) progress.note(s.yellow(`left untouched, not part of the keys: ${strangers.join(', ')}`));
  printSummary(out, dir, manifest, record, Date.now() - started);
  progress.note(
    `\nNext: merge ${KEYS_FOLDER_FILES.genesisArtifacts} into the genesis ("artifacts") before the nodes start; ` +
      `every node loads its keys from ${dir} and refuses any file whose hash differs from its pin.`,
  );
}

/**
 * Runs the ceremony in a fresh working folder inside `dir`, and cleans up whatever happens: the
 * working folder is removed, also on Ctrl-C.
 */
async function inWorkingFolder<T>(dir: string, progress: Progress, run: (work: string) => Promise<T>): Promise<T> {
  await ensureDir(dir);
  const work = await makeWorkDir(dir);
  const s = progress.styled;
  const stopWatching = removeOnInterrupt(work, (signal) => {
    if (s.decorated) process.stderr.write('\u001b[?25h\n'); // the progress bar hid the cursor
    progress.note(`${s.red('✖')} ${signal === 'SIGINT' ? 'interrupted' : 'stopped'}: removed the intermediate files`);
  });
  try {
    return await run(work);
  } finally {
    await rm(work, { recursive: true, force: true });
    stopWatching();
  }
}

/** What README-INSECURE.txt records of the run: every hash and beacon. */
function demoRecordOf(setup: SinglePartyResult): DemoRecord {
  const circuits: Record<string, DemoRecord['circuits'][string]> = {};
  for (const [name, keys] of Object.entries(setup.circuits)) {
    circuits[name] = { circuitHash: keys.circuitHash, contributionHash: keys.contributionHash, beacon: keys.beaconHex, beaconHash: keys.beaconHash };
  }
  return { ptau: { contributionHash: setup.ptau.contributionHash, beacon: setup.ptau.beaconHex, beaconResponseHash: setup.ptau.beaconHash }, circuits };
}

async function buildStep(progress: Progress, name: string): Promise<BuiltCircuit> {
  return progress.track(`circuit ${name}`, async (step) => {
    const built = await buildCircuit(name);
    const constraints = built.manifest.constraints.toLocaleString('en-US');
    step.outcome(built.cached ? `built earlier, ${constraints} constraints` : `compiled with circom2, ${constraints} constraints`);
    return built;
  });
}

/** Copies the circuits' r1cs and wasm beside the keys and writes the manifest, genesis pins and README, all in the working folder. */
async function writeKeysFolder(
  work: string,
  circuits: readonly BuiltCircuit[],
  layout: ReturnType<typeof keysFolderLayout>,
  epoch: number,
  power: number,
  record: DemoRecord,
): Promise<{ readonly manifest: KeysManifest; readonly files: string[] }> {
  const entry = (name: string) => fileEntry(join(work, name), name);
  const keys: CircuitKeysInput[] = [];
  for (const circuit of circuits) {
    const names = layout.circuits[circuit.manifest.name]!;
    await copyFile(join(circuit.dir, circuit.manifest.files.r1cs.path), join(work, names.r1cs));
    await copyFile(join(circuit.dir, circuit.manifest.files.wasm.path), join(work, names.wasm));
    keys.push({
      name: circuit.manifest.name,
      constraints: circuit.manifest.constraints,
      r1cs: await entry(names.r1cs),
      wasm: await entry(names.wasm),
      zkey: await entry(names.zkey),
      vkey: await entry(names.vkey),
    });
  }
  const manifest = buildKeysManifest({ epoch, createdAt: new Date(), power, ptau: await entry(layout.ptau), circuits: keys });
  await writeFile(join(work, KEYS_FOLDER_FILES.readme), insecureReadme(manifest, record));
  await writeFile(join(work, KEYS_FOLDER_FILES.genesisArtifacts), `${JSON.stringify(genesisArtifactsOf(manifest), null, 2)}\n`);
  await writeFile(join(work, KEYS_FOLDER_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  const written = [layout.ptau, ...Object.values(layout.circuits).flatMap((names) => [names.r1cs, names.wasm, names.zkey, names.vkey])];
  return { manifest, files: [...written, KEYS_FOLDER_FILES.readme, KEYS_FOLDER_FILES.genesisArtifacts, KEYS_FOLDER_FILES.manifest] };
}

/** Loads the folder exactly as a node of a devnet will (@consortium/zkp loadEpoch with the genesis pins and setup kind). */
async function checkAsNode(dir: string, manifest: KeysManifest): Promise<void> {
  try {
    await loadEpoch(dir, { ...genesisArtifactsOf(manifest), network: 'devnet' });
  } catch (error) {
    if (error instanceof ArtifactError) {
      throw new CeremonyStepError(
        `check ${dir}`,
        error.message,
        `The keys in ${dir} would not load on a node: do not use them. This is a bug in consortium-setup: please report the output above.`,
      );
    }
    throw error;
  }
}

function printSummary(out: Printer, dir: string, manifest: KeysManifest, record: DemoRecord, elapsedMs: number): void {
  const s = out.style;
  const circuits = Object.entries(manifest.circuits);
  out.line(`${s.yellow(s.bold('INSECURE'))} demo keys of epoch ${manifest.epoch} for ${circuits.map(([name]) => name).join(', ')}, written to ${dir} in ${formatElapsed(elapsedMs)}`);
  out.line(s.yellow('One process knew the toxic waste of every contribution: never use these keys for a real consortium.'));
  out.line();
  const width = Math.max('powers of tau'.length, ...circuits.map(([name]) => name.length));
  out.line(`  ${'powers of tau'.padEnd(width)}  2^${manifest.ptau.power}  ${manifest.ptau.file.path}  (beacon ${record.ptau.beacon})`);
  for (const [name, keys] of circuits) {
    out.line(`  ${name.padEnd(width)}  ${keys.constraints.toLocaleString('en-US')} constraints  ${keys.zkey.path}, ${keys.vkey.path}`);
  }
  out.line();
  out.line(`  manifest       ${join(dir, KEYS_FOLDER_FILES.manifest)}`);
  out.line(`  genesis pins   ${join(dir, KEYS_FOLDER_FILES.genesisArtifacts)} (${circuits.length * 3} artifacts)`);
  out.line(`  read me        ${join(dir, KEYS_FOLDER_FILES.readme)}`);
}
