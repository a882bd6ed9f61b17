import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { circuitDefinition, SETTLEMENT_PUBLIC_INPUTS, type CircuitDefinition } from './catalogue.js';
import lockfile from 'proper-lockfile';
import { forgingSource } from './forging-source.js';
import { fileEntry, sha256File, type FileEntry } from './hashing.js';
import { CIRCUITS_SOURCE_ROOT, DEFAULT_BUILD_ROOT, REPOSITORY_ROOT } from './paths.js';

/**
 * Compiles a circuit with the circom2 package (circom 2 in WebAssembly: no native toolchain)
 * into build/circuits/<name>/: r1cs, wasm (the witness calculator), sym, and a manifest of their
 * SHA-256 hashes and the constraint count. A build whose sources are unchanged is reused.
 *
 * Two more variants exist for constraint-level tests only (never for keys): `unoptimised`
 * (circom --O0: every signal is a wire and every constraint stays as written, so a failing
 * constraint can be traced to its rule) and `forging` (--O0 without the source's assertions: its
 * witness calculator computes every signal from any input, which is how a dishonest prover
 * makes a witness; see forging-source.ts).
 */

export type BuildVariant = 'production' | 'unoptimised' | 'forging';

export interface CircuitManifest {
  readonly name: string;
  readonly family: CircuitDefinition['family'];
  readonly template: CircuitDefinition['template'];
  readonly params: CircuitDefinition['params'];
  readonly publicInputs: readonly string[];
  readonly compiler: string;
  readonly circomlib: string;
  /** Hash over everything the build depends on: sources, parameters, compiler and library versions. */
  readonly sourcesSha256: string;
  /** Absent in production builds (the only ones keys are made for). */
  readonly variant?: Exclude<BuildVariant, 'production'>;
  readonly constraints: number;
  /** log2 of the Groth16 domain the constraints and public inputs need (the catalogue's domainPower). */
  readonly domainPower: number;
  readonly privateInputs: number;
  readonly wires: number;
  readonly files: { readonly r1cs: FileEntry; readonly wasm: FileEntry; readonly sym: FileEntry };
}

export interface BuiltCircuit {
  readonly manifest: CircuitManifest;
  /** Folder holding the manifest; file paths in it are relative to this. */
  readonly dir: string;
  readonly cached: boolean;
}

export class CircuitBuildError extends Error {
  override readonly name = 'CircuitBuildError';
}

const require = createRequire(import.meta.url);
const packageVersion = (name: string) => (require(`${name}/package.json`) as { version: string }).version;

/** Source files of the settlement family, ours and circomlib's, in a fixed order. */
const CIRCOMLIB_INCLUDES = ['poseidon.circom', 'poseidon_constants.circom', 'bitify.circom', 'comparators.circom', 'aliascheck.circom', 'compconstant.circom', 'binsum.circom'];

/** The circom source a variant compiles: the catalogue's, or (forging) that source without its assertions. */
async function variantSource(definition: CircuitDefinition, variant: BuildVariant): Promise<string> {
  const source = await readFile(join(CIRCUITS_SOURCE_ROOT, definition.source), 'utf8');
  return variant === 'forging' ? forgingSource(source) : source;
}

async function sourcesHash(definition: CircuitDefinition, variant: BuildVariant, source: string): Promise<string> {
  const hash = createHash('sha256');
  const identity = { template: definition.template, params: definition.params, circom2: packageVersion('circom2'), circomlib: packageVersion('circomlib') };
  // A production build hashes as before variants existed: its keys stay valid.
  hash.update(JSON.stringify(variant === 'production' ? identity : { ...identity, variant }));
  hash.update(source);
  const circomlibDir = join(require.resolve('circomlib/package.json'), '..', 'circuits');
  for (const file of CIRCOMLIB_INCLUDES) hash.update(await readFile(join(circomlibDir, file)));
  return hash.digest('hex');
}

function mainSource(definition: CircuitDefinition, mainDir: string, sourceFile: string): string {
  // circom2 sees only the working directory and its parents: includes must be relative.
  const include = relative(mainDir, sourceFile);
  const { batchSize, serviceBits } = definition.params;
  return [
    'pragma circom 2.1.0;',
    `include "${include}";`,
    `component main {public [${SETTLEMENT_PUBLIC_INPUTS.join(', ')}]} = ${definition.template}(${batchSize}, ${serviceBits});`,
    '',
  ].join('\n');
}

function runCircom(args: readonly string[]): Promise<string> {
  const cli = require.resolve('circom2/cli.js');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      // eslint-disable-next-line no-control-regex
      const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
      if (code === 0) resolvePromise(plain);
      else reject(new CircuitBuildError(`circom2 exited with ${code}:\n${plain}`));
    });
  });
}

function countFrom(output: string, label: string): number {
  const match = new RegExp(`${label}:\\s*(\\d+)`).exec(output);
  if (match?.[1] === undefined) throw new CircuitBuildError(`circom2 did not report "${label}"`);
  return Number(match[1]);
}

/**
 * log2 of the smallest Groth16 domain holding the constraints and public inputs: snarkjs's
 * newZKey needs 2^k > constraints + public inputs.
 */
export function groth16DomainPower(constraints: number, publicInputs: number): number {
  let power = 1;
  while (2 ** power <= constraints + publicInputs) power += 1;
  return power;
}

/**
 * log2 of the powers of tau a setup makes for a circuit: its Groth16 domain, and at least 2^8
 * (smaller files save nothing worth a special case).
 */
export function ptauPowerFor(constraints: number, publicInputs: number): number {
  return Math.max(8, groth16DomainPower(constraints, publicInputs));
}

/** The circuit's domain power, refusing a circuit that outgrew the domain the catalogue sized it for. */
export function checkDomain(definition: CircuitDefinition, constraints: number): number {
  const domainPower = groth16DomainPower(constraints, SETTLEMENT_PUBLIC_INPUTS.length);
  if (domainPower > definition.domainPower) {
    throw new CircuitBuildError(
      `${definition.name} has ${constraints} constraints and needs a 2^${domainPower} domain, but the catalogue sizes it for 2^${definition.domainPower}: ` +
        'shrink its batch size or change the catalogue',
    );
  }
  return domainPower;
}

async function readManifest(dir: string): Promise<CircuitManifest | null> {
  try {
    return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as CircuitManifest;
  } catch {
    return null;
  }
}

/** True when every file the manifest lists is there with its hash. */
async function manifestIntact(dir: string, manifest: CircuitManifest): Promise<boolean> {
  for (const entry of Object.values(manifest.files)) {
    try {
      if ((await sha256File(join(dir, entry.path))) !== entry.sha256) return false;
    } catch {
      return false;
    }
  }
  return true;
}

export async function buildCircuit(
  name: string,
  options: { readonly buildRoot?: string; readonly force?: boolean; readonly variant?: BuildVariant; readonly onStep?: (step: string) => void } = {},
): Promise<BuiltCircuit> {
  const definition = circuitDefinition(name);
  const variant = options.variant ?? 'production';
  const buildRoot = options.buildRoot ?? DEFAULT_BUILD_ROOT;
  if (relative(REPOSITORY_ROOT, buildRoot).startsWith('..')) {
    // circom2 runs in a WebAssembly sandbox that sees only the repository's folders.
    throw new CircuitBuildError(`the build folder ${buildRoot} must be inside the repository (${REPOSITORY_ROOT})`);
  }
  const dir = join(buildRoot, variant === 'production' ? name : `${name}.${variant}`);
  await mkdir(buildRoot, { recursive: true });
  // Test processes run side by side and each builds what it needs: one compiles, the others wait
  // and then reuse its build.
  const release = await lockfile.lock(dir, { realpath: false, retries: { retries: 1_200, minTimeout: 100, maxTimeout: 500 }, stale: 600_000 });
  try {
    return await buildLocked(definition, variant, dir, options);
  } finally {
    await release();
  }
}

async function buildLocked(
  definition: CircuitDefinition,
  variant: BuildVariant,
  dir: string,
  options: { readonly force?: boolean; readonly onStep?: (step: string) => void },
): Promise<BuiltCircuit> {
  const { name } = definition;
  const source = await variantSource(definition, variant);
  const expectedSources = await sourcesHash(definition, variant, source);
  const existing = await readManifest(dir);
  if (options.force !== true && existing?.sourcesSha256 === expectedSources && (await manifestIntact(dir, existing))) {
    if (variant === 'production') checkDomain(definition, existing.constraints);
    return { manifest: existing, dir, cached: true };
  }

  const optimisation = variant === 'production' ? '--O2' : '--O0';
  options.onStep?.(`compiling ${name}${variant === 'production' ? '' : ` (${variant})`} with circom2 (${optimisation})`);
  const work = `${dir}.building`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  let sourceFile = join(CIRCUITS_SOURCE_ROOT, definition.source);
  if (variant === 'forging') {
    sourceFile = join(work, 'forging.circom');
    await writeFile(sourceFile, source);
  }
  const mainFile = join(work, `${name}.circom`);
  await writeFile(mainFile, mainSource(definition, work, sourceFile));
  const output = await runCircom([relative(REPOSITORY_ROOT, mainFile), '--r1cs', '--wasm', '--sym', optimisation, '-l', 'node_modules', '-o', relative(REPOSITORY_ROOT, work)]);
  const constraints = countFrom(output, 'non-linear constraints') + countFrom(output, '(?<!non-)linear constraints');
  const domainPower = variant === 'production' ? checkDomain(definition, constraints) : groth16DomainPower(constraints, SETTLEMENT_PUBLIC_INPUTS.length);

  await rm(dir, { recursive: true, force: true });
  await rename(work, dir);
  const files = {
    r1cs: await fileEntry(join(dir, `${name}.r1cs`), `${name}.r1cs`),
    wasm: await fileEntry(join(dir, `${name}_js`, `${name}.wasm`), `${name}_js/${name}.wasm`),
    sym: await fileEntry(join(dir, `${name}.sym`), `${name}.sym`),
  };
  const manifest: CircuitManifest = {
    name,
    family: definition.family,
    template: definition.template,
    params: definition.params,
    publicInputs: SETTLEMENT_PUBLIC_INPUTS,
    compiler: `circom2@${packageVersion('circom2')}`,
    circomlib: packageVersion('circomlib'),
    sourcesSha256: expectedSources,
    ...(variant === 'production' ? {} : { variant }),
    constraints,
    domainPower,
    privateInputs: countFrom(output, 'private inputs'),
    wires: countFrom(output, 'wires'),
    files,
  };
  if (countFrom(output, 'public inputs') !== SETTLEMENT_PUBLIC_INPUTS.length) {
    throw new CircuitBuildError(`${name} has ${countFrom(output, 'public inputs')} public inputs, expected ${SETTLEMENT_PUBLIC_INPUTS.length}`);
  }
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, dir, cached: false };
}
