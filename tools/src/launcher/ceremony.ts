import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCircuit } from '@consortium/circuits';
import { KEYS_MANIFEST_FILE, type KeysManifest } from '@consortium/zkp';
import { createDevnet, runSetupCli } from '../devnet/processes.js';
import { pinnedTranscriptOf, PREFERRED_BASE_PORT, readGenesis } from './devnet-folder.js';
import { readKeysManifest } from './keys.js';
import type { LaunchProgress } from './progress.js';
import { devnetStale } from './reuse.js';

/**
 * `npm start -- --ceremony`: the devnet's keys from a real multi-party ceremony among its member
 * processes, instead of the single-party demo. Each member's consortium-setup takes part over
 * libp2p with its own node's identity (its node.json, before the node runs): the first member
 * coordinates (`ceremony coordinate`), every other joins (`ceremony join`), each contributing its
 * own randomness; every member checks the whole ceremony and attests. Then the devnet's genesis
 * is written again for the same members, pinning the ceremony's keys and transcript. All of it
 * runs on one machine, so it shows the protocol, not the security of separate machines.
 *
 * Layout: <dir>/ceremony (the coordinator's folder: transcript, every file, keys/), and each
 * other member's own copy in <dir>/<member>/ceremony. A later run reuses the keys while the
 * genesis pins them, for the same members and circuits.
 */

export const CEREMONY_FOLDER = 'ceremony';
/** Minutes each member has for its turn: generous, the members are processes on this machine. */
const TIME_LIMIT_MINUTES = 10;
const BEACON_SOURCE = 'npm start --ceremony: 32 random bytes drawn by the launcher when it planned the ceremony (a devnet; a consortium names a public source fixed in advance)';

export interface CeremonyKeys {
  readonly keysDir: string;
  readonly manifest: KeysManifest;
  /** True when this run held the ceremony (and wrote a new genesis pinning its keys: a new chain). */
  readonly madeNow: boolean;
}

async function readJson<T>(path: string): Promise<T | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/** Why the ceremony's keys of an earlier run cannot be reused, or null when they can. */
async function staleReason(dir: string, members: number, circuits: readonly string[]): Promise<string | null> {
  const keysDir = join(dir, CEREMONY_FOLDER, 'keys');
  const manifest = await readKeysManifest(keysDir);
  // Only a finished ceremony's keys folder pins its transcript (once every member attested).
  const transcriptSha256 = await pinnedTranscriptOf(keysDir);
  if (manifest === null || transcriptSha256 === null) return 'no ceremony yet';
  const names = Object.keys(manifest.circuits).sort();
  if (names.join() !== [...circuits].sort().join()) return `its keys are for ${names.join(', ')}, this run wants ${circuits.join(', ')}`;
  for (const name of circuits) {
    const built = await buildCircuit(name);
    if (manifest.circuits[name]?.r1cs.sha256 !== built.manifest.files.r1cs.sha256) return `${name} changed since its ceremony`;
  }
  return devnetStale(await readGenesis(dir), members, manifest, transcriptSha256);
}

/** Makes sure the devnet in `dir` runs on keys of its members' ceremony; returns them. */
export async function ensureCeremonyKeys(
  dir: string,
  options: { readonly members: number; readonly circuits: readonly string[]; readonly fresh: boolean; readonly basePort?: number },
  progress: LaunchProgress,
  signal: AbortSignal,
): Promise<CeremonyKeys> {
  const keysDir = join(dir, CEREMONY_FOLDER, 'keys');
  const reason = await progress.step(`the members' ZKP keys for ${options.circuits.join(', ')}`, async (outcome) => {
    const stale = options.fresh ? 'a fresh chain was asked for (--fresh)' : await staleReason(dir, options.members, options.circuits);
    outcome(stale === null ? `reused from their ceremony in ${join(dir, CEREMONY_FOLDER)}` : `to make: ${stale}`);
    return stale;
  });
  if (reason !== null) await runCeremony(dir, options, progress, signal);
  const manifest = await readKeysManifest(keysDir);
  if (manifest === null) throw new Error(`the ceremony wrote no ${KEYS_MANIFEST_FILE} in ${keysDir}`);
  return { keysDir, manifest, madeNow: reason !== null };
}

async function runCeremony(
  dir: string,
  options: { readonly members: number; readonly circuits: readonly string[]; readonly basePort?: number },
  progress: LaunchProgress,
  signal: AbortSignal,
): Promise<void> {
  const setup = { signal, onProgressLine: (line: string) => progress.detail(line) };
  const ceremonyDir = join(dir, CEREMONY_FOLDER);
  // The members first: their identities (validator and node keys) and addresses are the ceremony's.
  const { memberIds } = await progress.step(`member keys and node files for ${options.members} members (consortium-setup devnet)`, () =>
    createDevnet(dir, options.members, options.basePort, { preferredBasePort: PREFERRED_BASE_PORT, setup }),
  );
  const basePort = await firstP2pPort(dir, memberIds[0]!);
  await rm(ceremonyDir, { recursive: true, force: true });
  await Promise.all(memberIds.slice(1).map((id) => rm(join(dir, id, CEREMONY_FOLDER), { recursive: true, force: true })));
  // Quiet: their "Next:" lines are for operators running them by hand.
  const quiet = { signal };
  await progress.step(`ceremony plan for ${options.circuits.join(', ')}, signed by every member`, async () => {
    await runSetupCli(
      ['ceremony', 'plan', '--genesis', join(dir, 'genesis.json'), '--circuits', options.circuits.join(','), '--dir', ceremonyDir, '--beacon-source', BEACON_SOURCE, '--time-limit', String(TIME_LIMIT_MINUTES)],
      quiet,
    );
    // At once, as the members would on their own machines (each writes its own signature file).
    await Promise.all(memberIds.map((id) => runSetupCli(['ceremony', 'sign-plan', '--dir', ceremonyDir, '--member', id, '--key', join(dir, id, 'validator-key.json')], quiet)));
    await runSetupCli(['ceremony', 'start', '--dir', ceremonyDir], quiet);
  });
  await progress.step(`the ceremony among ${memberIds.length} member processes over libp2p (${memberIds[0]} coordinates)`, async (outcome) => {
    const beacon = randomBytes(32).toString('hex');
    const config = (id: string) => join(dir, id, 'node.json');
    // One member process failing ends the others: the coordinator would otherwise wait out the
    // plan's time limits for a member that is gone, and the launcher with it.
    const ceremony = new AbortController();
    const stop = () => ceremony.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    const member = (args: readonly string[], options: { readonly onProgressLine?: (line: string) => void; readonly signal?: AbortSignal }) =>
      runSetupCli(args, { ...options, signal: ceremony.signal }).catch((error: unknown) => {
        ceremony.abort(error);
        throw error;
      });
    try {
      await Promise.all([
        member(['ceremony', 'coordinate', '--dir', ceremonyDir, '--config', config(memberIds[0]!), '--beacon', beacon], setup),
        ...memberIds.slice(1).map((id) => member(['ceremony', 'join', '--dir', join(dir, id, CEREMONY_FOLDER), '--config', config(id)], quiet)),
      ]);
    } finally {
      signal.removeEventListener('abort', stop);
    }
    outcome(`every member contributed and attested; transcript ${join(ceremonyDir, 'transcript.json')}`);
  });
  // The same members, a genesis that pins the ceremony's keys and transcript.
  await progress.step('genesis pinning the ceremony keys (consortium-setup devnet --keep-keys)', () =>
    runSetupCli(['devnet', '--out', dir, '--members', String(memberIds.length), '--base-port', String(basePort), '--keys', join(ceremonyDir, 'keys'), '--force', '--keep-keys'], setup),
  );
}

async function firstP2pPort(dir: string, memberId: string): Promise<number> {
  const config = await readJson<{ p2p: { listen: string[] } }>(join(dir, memberId, 'node.json'));
  const port = Number(/\/tcp\/(\d+)/.exec(config?.p2p.listen[0] ?? '')?.[1]);
  if (!Number.isSafeInteger(port)) throw new Error(`${join(dir, memberId, 'node.json')} names no p2p port`);
  return port;
}
