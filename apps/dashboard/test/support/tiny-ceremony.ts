import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  attest,
  CeremonyWorkspace,
  PLAN_FORMAT,
  sha256OfFile,
  signPlan,
  writeCeremonyKeys,
  writeGenesisFragment,
  writeTranscriptFile,
  type CeremonyPlan,
  type CeremonySigner,
} from '@consortium/ceremony';
import { withSetupCurve } from '@consortium/zkp';

/**
 * A whole multi-party ceremony in one process, through @consortium/ceremony's public API, on
 * the 16-constraint circuit of test/fixtures (powers of tau 2^6): plan signed by every member,
 * phase 1 and phase 2 in the plan's order, one member skipped past its time limit, the beacons,
 * the keys folder, every member's attestation and the genesis fragment that pins the transcript.
 * What a ceremony leaves on disk (`<dir>/transcript.json`, `<dir>/keys/`), made by the code that
 * makes real ones, for the dashboard to read.
 */

const TINY_R1CS = fileURLToPath(new URL('../fixtures/tiny.r1cs', import.meta.url));
const TINY_WASM = fileURLToPath(new URL('../fixtures/tiny.wasm', import.meta.url));
const TINY_CONSTRAINTS = 16;
const TINY_POWER = 6;
const CIRCUIT = 'tiny';
export const TINY_BEACON = 'a1'.repeat(32);

/** What the coordinator says when it skips the last member in phase 2 (past the plan's time limit). */
export const SKIP_REASON = 'no contribution within the time limit';

/** An identity key from node:crypto: the raw 32-byte public key as hex, and a CeremonySigner. */
function ed25519Member(): { publicKey: string; signer: CeremonySigner } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The JWK `x` is the raw public key (RFC 8037), the form the plan names members by.
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return { publicKey: raw.toString('hex'), signer: { sign: (message) => new Uint8Array(sign(null, message, privateKey)) } };
}

export interface TinyCeremony {
  /** The ceremony folder: transcript.json and keys/ (keys-manifest.json, genesis-artifacts.json). */
  readonly dir: string;
  readonly keysManifestFile: string;
  readonly transcriptFile: string;
  readonly transcriptSha256: string;
  readonly plan: CeremonyPlan;
  /** The member skipped in phase 2. */
  readonly skipped: string;
  /** The virtual clock's start: each step comes a minute after the one before, the skip ten more (past the limit). */
  readonly startMs: number;
}

/** Runs the ceremony of `memberIds` (the first coordinates) in a new folder under the system's temporary one. */
export async function runTinyCeremony(memberIds: readonly string[]): Promise<TinyCeremony> {
  const dir = await mkdtemp(join(tmpdir(), 'dashboard-ceremony-'));
  const members = new Map(memberIds.map((id) => [id, ed25519Member()]));
  const signer = (id: string) => members.get(id)!.signer;
  const coordinator = memberIds[0]!;
  const skipped = memberIds[memberIds.length - 1]!;
  const startMs = Date.parse('2026-11-29T09:00:00.000Z');
  const limitMs = 10 * 60_000;
  const plan: CeremonyPlan = {
    format: PLAN_FORMAT,
    ceremonyId: `dashboard-test/tiny-${memberIds.length}`,
    chainId: 'sp-consortium-test',
    members: memberIds.map((id) => ({ id, publicKey: members.get(id)!.publicKey })),
    coordinator,
    phase1: { source: 'ceremony', power: TINY_POWER },
    circuits: [{ name: CIRCUIT, r1csSha256: await sha256OfFile(TINY_R1CS) }],
    contributionTimeLimitMs: limitMs,
    onMissingContribution: 'skip',
    beacon: { source: 'a fixed test value', iterationsExp: 10 },
    createdAt: new Date(startMs).toISOString(),
  };
  const workspace = await CeremonyWorkspace.create(
    dir,
    plan,
    memberIds.map((id) => signPlan(plan, id, signer(id))),
    { [CIRCUIT]: TINY_R1CS },
  );

  // A virtual clock: each step a minute after the previous one, so the transcript's times are known and a skip can wait past the limit.
  let clockMs = startMs;
  const now = () => clockMs;
  await withSetupCurve(async (curve) => {
    for (let next = workspace.next(); next !== null; next = workspace.next()) {
      clockMs += 60_000;
      if (next.kind === 'open') await workspace.open(coordinator, signer(coordinator), curve, { now });
      else if (next.kind === 'beacon') await workspace.close(coordinator, signer(coordinator), curve, TINY_BEACON, { now });
      else if (next.lane.phase === 2 && next.member === skipped) {
        clockMs += limitMs;
        await workspace.skip(coordinator, signer(coordinator), SKIP_REASON, { now });
      } else await workspace.contribute(next.member, signer(next.member), curve, { now });
    }
  });

  const keys = await writeCeremonyKeys({
    transcript: workspace.transcript,
    keysDir: workspace.folder.keys,
    epoch: 2,
    phase1Final: await workspace.phase1Final(),
    circuits: [{ name: CIRCUIT, constraints: TINY_CONSTRAINTS, r1cs: TINY_R1CS, wasm: TINY_WASM, zkey: await workspace.currentFile({ phase: 2, circuit: CIRCUIT }) }],
  });
  let transcript = workspace.transcript;
  for (const id of memberIds) transcript = attest(transcript, keys.finalHashes, id, signer(id));
  await writeTranscriptFile(workspace.folder.transcript, transcript);
  const transcriptSha256 = await sha256OfFile(workspace.folder.transcript);
  await writeGenesisFragment(workspace.folder.keys, keys.manifest, transcriptSha256);
  return { dir, keysManifestFile: join(workspace.folder.keys, 'keys-manifest.json'), transcriptFile: workspace.folder.transcript, transcriptSha256, plan, skipped, startMs };
}
