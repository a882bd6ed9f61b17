#!/usr/bin/env node
// Stages the application part of the consortium image's root file system: the three apps'
// workspace sources and the production closure of their npm dependencies, as hard links (a copy
// where the file system refuses one), so the image holds about 6,600 files and 92 MB instead of
// the repository's 600 MB of node_modules, tests and build output.
//
//   node deploy/container/stage-context.mjs <repository> <out>
//
// <out>/app/             node_modules/ (and the workspaces' own, apps/node/node_modules/commander),
//                        apps/, libs/, circuits/ (manifests, sources, bins) and REPOSITORY_FILES
// <out>/usr/local/bin/   consortium-node, consortium-setup, consortium-dashboard: links to the bins
//
// The closure is walked the way Node resolves: from each package's folder, `node_modules/<name>`
// in it and in every parent, so nested copies (apps/node/node_modules/commander,
// snarkjs/node_modules/@noble/hashes) are the ones their dependants load. It follows
// `dependencies`, `optionalDependencies` and the `peerDependencies` that are installed; a
// workspace package contributes its `dependencies` only (never its devDependencies), plus
// the runtime packages the apps' manifests do not list (RUNTIME_EXTRAS). Prints one JSON line
// with the counts, for build.sh's report.
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The image's commands: their packages are the roots of the closure. */
const APPS = ['@consortium/node', '@consortium/setup-cli', '@consortium/dashboard'];
/**
 * Needed at run time but listed in no app's dependencies:
 * - tsx: every bin (apps/<app>/bin/*.js) runs the TypeScript sources through it (the root's
 *   devDependency, as in a clone);
 * - circom2, circomlib: `consortium-setup ceremony ...` compiles the circuits it does not find
 *   built (buildCircuit of @consortium/circuits), with the compiler and library that circuits/
 *   lists as devDependencies.
 */
const RUNTIME_EXTRAS = ['tsx', 'circom2', 'circomlib'];
/** Files outside the packages that the apps read at run time. */
const REPOSITORY_FILES = [
  'package.json',
  'tsconfig.base.json',
  // The dashboard serves the runbook its alerts link to (/docs/operations.md).
  'docs/operations.md',
  // The probe the image's HEALTHCHECK, compose and Kubernetes run.
  'deploy/container/healthcheck.mjs',
];
/** The image's commands, linked from /usr/local/bin (the bins start with `#!/usr/bin/env node`). */
const COMMANDS = {
  'consortium-node': 'apps/node/bin/consortium-node.js',
  'consortium-setup': 'apps/setup-cli/bin/consortium-setup.js',
  'consortium-dashboard': 'apps/dashboard/bin/consortium-dashboard.js',
};
/** Where the application lives in the image. */
const APP_ROOT = 'app';
/** What a workspace package ships in the image: its manifest, sources, bins and tsconfig (tsx and esbuild read it). */
const WORKSPACE_ENTRIES = ['package.json', 'tsconfig.json', 'src', 'bin', 'settlement'];
/** Top-level folders of an npm package that nothing loads at run time. */
const NPM_SKIPPED_DIRS = new Set(['node_modules', 'test', 'tests', '__tests__', '.github', 'docs', 'doc', 'example', 'examples', 'benchmark', 'benchmarks', 'coverage', '.nyc_output']);
/** Files of npm packages that nothing loads at run time: type declarations, source maps, TypeScript sources (packages ship their JavaScript), notes. */
const NPM_SKIPPED_FILE = /(\.d\.[cm]?ts|\.map|\.tsbuildinfo|(?<!\.d)\.[cm]?ts|\.md|\.markdown)$/i;
/** A bound on the walk: the repository has about 650 packages installed. */
const PACKAGES_MAX = 2_000;

const [repositoryArg, outArg] = process.argv.slice(2);
if (repositoryArg === undefined || outArg === undefined) {
  console.error('usage: node stage-context.mjs <repository> <out>');
  process.exit(2);
}
const repository = realpathSync(resolve(repositoryArg));
const out = resolve(outArg);
if (existsSync(out) && readdirSync(out).length > 0) {
  console.error(`stage-context: ${out} is not empty`);
  process.exit(2);
}

function readManifest(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/** The folder Node would load `name` from when imported by a module in `fromDir`, or null. */
function resolvePackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === dirname(dir) || !(dir + sep).startsWith(repository + sep)) return null;
  }
}

const isWorkspace = (realDir) => !relative(repository, realDir).split(sep).includes('node_modules');

/** Walks the closure: location (as resolved, maybe a workspace symlink) -> real folder. */
function closure() {
  const found = new Map();
  const queue = [];
  const visit = (name, fromDir, required) => {
    const location = resolvePackage(name, fromDir);
    if (location === null) {
      if (required) throw new Error(`${name} (needed from ${relative(repository, fromDir) || '.'}) is not installed: run npm ci`);
      return;
    }
    if (found.has(location)) return;
    if (found.size >= PACKAGES_MAX) throw new Error(`more than ${PACKAGES_MAX} packages in the closure`);
    const real = realpathSync(location);
    found.set(location, real);
    queue.push(real);
  };
  for (const name of [...APPS, ...RUNTIME_EXTRAS]) visit(name, repository, true);
  while (queue.length > 0) {
    const dir = queue.shift();
    const manifest = readManifest(dir);
    for (const name of Object.keys(manifest.dependencies ?? {})) visit(name, dir, true);
    if (isWorkspace(dir)) continue;
    for (const name of Object.keys(manifest.optionalDependencies ?? {})) visit(name, dir, false);
    for (const name of Object.keys(manifest.peerDependencies ?? {})) visit(name, dir, false);
  }
  return found;
}

const counts = { packages: 0, workspacePackages: 0, files: 0, bytes: 0, copied: 0 };

function place(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
    counts.copied += 1;
  }
  counts.files += 1;
  counts.bytes += lstatSync(from).size;
}

/** Places the tree at `from` under `to`, skipping what `skip(path, isDir, depth)` says; symlinks stay symlinks. */
function placeTree(from, to, skip, depth = 0) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (skip(entry.name, entry.isDirectory(), depth)) continue;
    if (entry.isSymbolicLink()) {
      mkdirSync(to, { recursive: true });
      symlinkSync(readlinkSync(source), target);
    } else if (entry.isDirectory()) {
      placeTree(source, target, skip, depth + 1);
    } else if (entry.isFile()) {
      place(source, target);
    }
  }
}

const skipNpm = (name, isDir, depth) => (isDir ? depth === 0 && NPM_SKIPPED_DIRS.has(name) : NPM_SKIPPED_FILE.test(name));
const skipWorkspace = (name, isDir, depth) => depth === 0 && !WORKSPACE_ENTRIES.includes(name);

const app = join(out, APP_ROOT);
for (const [location, real] of closure()) {
  const locationInRepo = relative(repository, location);
  if (isWorkspace(real)) {
    // node_modules/@consortium/x -> ../../libs/x, as npm links it; the sources where they are.
    mkdirSync(dirname(join(app, locationInRepo)), { recursive: true });
    symlinkSync(relative(dirname(location), real), join(app, locationInRepo));
    placeTree(real, join(app, relative(repository, real)), skipWorkspace);
    counts.workspacePackages += 1;
  } else {
    placeTree(real, join(app, locationInRepo), skipNpm);
    counts.packages += 1;
  }
}
for (const file of REPOSITORY_FILES) place(join(repository, file), join(app, file));
const bin = join(out, 'usr/local/bin');
mkdirSync(bin, { recursive: true });
for (const [command, script] of Object.entries(COMMANDS)) {
  if (!existsSync(join(app, script))) throw new Error(`${script} (the ${command} command) was not staged`);
  symlinkSync(join('/', APP_ROOT, script), join(bin, command));
}

console.log(JSON.stringify(counts));
