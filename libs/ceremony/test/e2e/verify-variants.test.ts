import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBinFile } from '@iden3/binfileutils';
import { assembleKeysFolder, beaconPhase2, contributePhase2, openSetupCurve, runSinglePartySetup, type SetupCurve } from '@consortium/zkp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttestationError,
  CeremonyParticipant,
  CeremonyVerificationError,
  CeremonyWorkspace,
  checkAttestedKeys,
  decodeRequest,
  encodeChunk,
  encodeResponse,
  sha256OfFile,
  signEntry,
  UnattestedKeysError,
  verifyCeremony,
  writeTranscriptFile,
  type CeremonyStatus,
  type CeremonyTransport,
  type FinalHashes,
  type TranscriptDocument,
  type TranscriptEntry,
  type UnsignedEntry,
} from '../../src/index.js';
import { FileIndex } from '../../src/distributed/files.js';
import { driveCeremony, finishCeremony, readJson } from '../support/drive.js';
import { CeremonyMesh } from '../support/mesh.js';
import { BEACON, signedByAll, testMembers, TINY_CONSTRAINTS, TINY_POWER, TINY_R1CS, TINY_WASM, tinyPlan } from '../support/tiny-ceremony.js';

/**
 * `verifyCeremony` on a good four-member ceremony and on variants of it: each names the first
 * problem, in the check that finds it. Tampered files, a forked chain (a member built on an older
 * file and the rest went on: snarkjs accepts it), reordered and truncated transcripts, a missing
 * attestation, a lane with one contributor, and the single-party demo. The same ceremony is what
 * a lying coordinator serves below: final hashes other than the ceremony's to attest (T39 in
 * docs/security.md), keys other than the attested ones after the attestations (T40).
 */

const members = testMembers(4);
const signer = (id: string) => members.signers.get(id)!;
let curve: SetupCurve;
let root: string;
let good: string;
/** The hashes every member of `good` attested. */
let attested: FinalHashes;

beforeAll(async () => {
  curve = await openSetupCurve();
  root = await mkdtemp(join(tmpdir(), 'ceremony-variants-'));
  good = join(root, 'good');
  const plan = tinyPlan(members);
  const workspace = await CeremonyWorkspace.create(good, plan, signedByAll(plan, members), { tiny: TINY_R1CS });
  await driveCeremony(workspace, members, curve);
  attested = (await finishCeremony(workspace, members)).finalHashes;
}, 120_000);

afterAll(async () => {
  await curve.terminate();
  await rm(root, { recursive: true, force: true });
});

async function variant(name: string, change: (dir: string, transcript: TranscriptDocument) => Promise<TranscriptDocument | void> | TranscriptDocument): Promise<string> {
  const dir = join(root, name);
  await cp(good, dir, { recursive: true });
  const transcriptPath = join(dir, 'transcript.json');
  const changed = await change(dir, await readJson<TranscriptDocument>(transcriptPath));
  if (changed !== undefined) await writeTranscriptFile(transcriptPath, changed);
  return dir;
}

async function failure(dir: string): Promise<CeremonyVerificationError> {
  const error = await verifyCeremony(dir).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(CeremonyVerificationError);
  return error as CeremonyVerificationError;
}

const flipByte = async (file: string) => {
  const bytes = await readFile(file);
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
  await writeFile(file, bytes);
};

describe('ceremony verify', () => {
  it('passes the good ceremony, listing every check', async () => {
    const report = await verifyCeremony(good);
    expect(report.checks).toContain('attested by every member');
    expect(report.checks).toContain('phase 2 of tiny: its verification key had a contribution (vk_gamma_2 differs from vk_delta_2)');
    expect(report.lanes.map((lane) => lane.contributors)).toEqual([members.ids, members.ids]);
  }, 60_000);

  it('names a tampered contribution file by the entry that produced it', async () => {
    const dir = await variant('tampered', async (folder) => flipByte(join(folder, 'phase1', '002-Vodafone-UK.ptau')));
    const problem = await failure(dir);
    expect(problem.check).toBe('every file the transcript names is in the folder');
    expect(problem.detail).toMatch(/^no file with sha256 [0-9a-f]{16}… \(entry 2: Vodafone-UK's contribution to phase 1 \(powers of tau\)\)$/);
  }, 60_000);

  it("names a phase-2 lane opened with another proving key than newZKey's (two A points swapped), though every entry is signed and chained", async () => {
    const dir = await variant('wrong-open', async (folder, transcript) => {
      const at = transcript.entries.findIndex((entry) => entry.kind === 'open' && entry.lane.phase === 2);
      const opened = transcript.entries[at] as TranscriptEntry & { outputSha256: string };
      const laneDir = join(folder, 'phase2', 'tiny');
      const names = await readdir(laneDir);
      const shas = await Promise.all(names.map(async (name) => sha256OfFile(join(laneDir, name))));
      const file = join(laneDir, names[shas.indexOf(opened.outputSha256)]!);
      // The coordinator's own key, not newZKey's: A's first two distinct points swapped.
      const { fd, sections } = await readBinFile(file, 'zkey', 1);
      await fd.close();
      const bytes = await readFile(file);
      const start = sections[5]![0]!.p;
      const point = (i: number) => bytes.subarray(start + i * 64, start + (i + 1) * 64);
      const other = [...Array(8).keys()].find((i) => i > 0 && !point(i).equals(point(0)))!;
      const first = Buffer.from(point(0));
      point(other).copy(bytes, start);
      first.copy(bytes, start + other * 64);
      await writeFile(file, bytes);
      const outputSha256 = await sha256OfFile(file);
      // Signed again by the coordinator, and the next member's entry built on it: the chain holds.
      const resign = (entry: TranscriptEntry, change: Record<string, string>) => {
        const { signature: _old, ...unsigned } = { ...entry, ...change };
        return signEntry(unsigned, signer(entry.signer));
      };
      const entries = [...transcript.entries];
      entries[at] = resign(opened, { outputSha256 });
      entries[at + 1] = resign(entries[at + 1]!, { inputSha256: outputSha256 });
      return { ...transcript, entries };
    });
    const problem = await failure(dir);
    expect(problem.check).toBe('phase 2 of tiny: its first file is newZKey of the pinned r1cs');
    expect(problem.detail).toContain('the lane was opened with another proving key than the one the circuit and phase 1 give');
    expect(problem.detail).toContain('its A points differ');
  }, 60_000);

  it('names the dropped contributor of a forked chain, which snarkjs itself accepts', async () => {
    const dir = join(root, 'forked');
    const plan = tinyPlan(members, { ceremonyId: 'test/forked' });
    const workspace = await CeremonyWorkspace.create(dir, plan, signedByAll(plan, members), { tiny: TINY_R1CS });
    await driveCeremony(workspace, members, curve, (w) => w.next()?.kind === 'contribution' && w.next()!.lane.phase === 2 && (w.next() as { member: string }).member === 'Orange-FR');
    // Orange-FR builds on T-Mobile-DE's key, not on Vodafone-UK's, but signs as if it had; the others go on without checking.
    let transcript = workspace.transcript;
    const lane = { phase: 2, circuit: 'tiny' } as const;
    const phase2 = transcript.entries.filter((entry) => entry.lane.phase === 2);
    const tmobile = phase2.find((entry) => entry.kind === 'contribution' && entry.signer === 'T-Mobile-DE') as TranscriptEntry & { outputSha256: string };
    let input = await workspace.fileWithSha256(tmobile.outputSha256);
    let claimedInput = phase2[phase2.length - 1] as TranscriptEntry & { outputSha256: string };
    const add = (entry: Omit<UnsignedEntry, 'seq' | 'planHash' | 'timeMs'>, by: string) => {
      const unsigned = { ...entry, seq: transcript.entries.length, planHash: transcript.entries[0]!.planHash, timeMs: Date.now() } as UnsignedEntry;
      transcript = { ...transcript, entries: [...transcript.entries, signEntry(unsigned, signer(by))] };
    };
    for (const member of ['Orange-FR', 'Telenor-NO']) {
      const output = join(dir, `forked-${member}.zkey`);
      const contributionHash = await contributePhase2(input, output, member);
      const outputSha256 = await sha256OfFile(output);
      add({ kind: 'contribution', lane, signer: member, inputSha256: claimedInput.outputSha256, outputSha256, contributionHash } as Omit<UnsignedEntry, 'seq' | 'planHash' | 'timeMs'>, member);
      input = output;
      claimedInput = { outputSha256 } as TranscriptEntry & { outputSha256: string };
    }
    const final = join(dir, 'forked-final.zkey');
    const beaconHash = await beaconPhase2(input, final, 'beacon', BEACON, plan.beacon.iterationsExp);
    add({ kind: 'beacon', lane, signer: plan.coordinator, inputSha256: claimedInput.outputSha256, outputSha256: await sha256OfFile(final), beacon: BEACON, contributionHash: beaconHash } as Omit<UnsignedEntry, 'seq' | 'planHash' | 'timeMs'>, plan.coordinator);
    await writeTranscriptFile(workspace.folder.transcript, transcript);
    await finishCeremony(await CeremonyWorkspace.open(dir), members);

    const problem = await failure(dir);
    expect(problem.check).toBe("phase 2 of tiny: snarkjs verifies the final file, which holds the transcript's contributions in order");
    expect(problem.detail).toMatch(/contribution #2 of the file \([0-9a-f]{16}…\) is not Vodafone-UK's contribution \([0-9a-f]{16}…\): dropped, replaced or reordered$/);
  }, 120_000);

  it('names the first entry of a reordered transcript', async () => {
    const dir = await variant('reordered', (_folder, transcript) => {
      const entries = [...transcript.entries];
      [entries[2], entries[3]] = [entries[3]!, entries[2]!];
      return { ...transcript, entries };
    });
    const problem = await failure(dir);
    expect(problem.check).toBe('plan signed by every member, entries in order and signed');
    expect(problem.detail).toBe('transcript entry 2: its sequence number is 3, expected 2: an entry replayed, dropped or moved');
  }, 60_000);

  it('says where a truncated transcript stops', async () => {
    const dir = await variant('truncated', (_folder, transcript) => ({ ...transcript, entries: transcript.entries.slice(0, -2), attestations: [] }));
    const problem = await failure(dir);
    expect(problem.check).toBe('the ceremony is complete');
    expect(problem.detail).toBe("it stops at Telenor-NO's contribution to phase 2 of tiny");
  }, 60_000);

  it('names the member whose attestation is missing', async () => {
    const dir = await variant('unattested', (_folder, transcript) => ({ ...transcript, attestations: transcript.attestations.filter((a) => a.member !== 'Orange-FR') }));
    const problem = await failure(dir);
    expect(problem.check).toBe('attested by every member');
    expect(problem.detail).toBe('Orange-FR has not attested the final hashes');
  }, 60_000);

  it('refuses a lane with a single contributor as not multi-party', async () => {
    const pair = testMembers(2);
    const plan = tinyPlan(pair, { ceremonyId: 'test/one-contributor' });
    const dir = join(root, 'one-contributor');
    const workspace = await CeremonyWorkspace.create(dir, plan, signedByAll(plan, pair), { tiny: TINY_R1CS });
    await driveCeremony(workspace, pair, curve, (w) => (w.next() as { member?: string } | null)?.member === 'Vodafone-UK');
    const startedMs = workspace.transcript.entries[workspace.transcript.entries.length - 1]!.timeMs;
    await workspace.skip('T-Mobile-DE', pair.signers.get('T-Mobile-DE')!, 'offline', { now: () => startedMs + plan.contributionTimeLimitMs });
    await driveCeremony(workspace, pair, curve);
    await finishCeremony(workspace, pair);
    const problem = await failure(dir);
    expect(problem.check).toBe('multi-party: at least two members contributed to every lane');
    expect(problem.detail).toMatch(/^phase 1 \(powers of tau\) has one contributor \(T-Mobile-DE\)/);
  }, 120_000);

  it('refuses the single-party demo setup as not multi-party', async () => {
    const dir = join(root, 'demo');
    const work = join(root, 'demo-work');
    await cp(join(good, 'circuits'), work, { recursive: true });
    const setup = await runSinglePartySetup({
      workDir: work,
      power: TINY_POWER,
      circuits: [{ name: 'tiny', r1csPath: TINY_R1CS, domainPower: 5 }],
      contributionName: 'demo',
      ptauBeaconHex: BEACON,
      beaconIterationsExp: 10,
    });
    const vkey = join(work, 'tiny.vkey.json');
    await writeFile(vkey, JSON.stringify(setup.circuits['tiny']!.vkey));
    await assembleKeysFolder(dir, {
      epoch: 1,
      insecure: true,
      ceremony: 'demo',
      ptau: { power: TINY_POWER, path: setup.ptau.finalPath },
      circuits: [{ name: 'tiny', constraints: TINY_CONSTRAINTS, r1cs: TINY_R1CS, wasm: TINY_WASM, zkey: setup.circuits['tiny']!.zkeyPath, vkey }],
    });
    const problem = await failure(dir);
    expect(problem.check).toBe('transcript file');
    expect(problem.detail).toMatch(/holds the keys of a single-party demo setup .*not of a multi-party ceremony/);
  }, 120_000);
});

/** The file of `good` whose sha256 is the lane's first (newZKey's output: no contribution in it), for a substituted key. */
async function uncontributedKey(): Promise<{ path: string; sha256: string }> {
  const transcript = await readJson<TranscriptDocument>(join(good, 'transcript.json'));
  const opened = transcript.entries.find((entry) => entry.kind === 'open' && entry.lane.phase === 2) as TranscriptEntry & { outputSha256: string };
  const laneDir = join(good, 'phase2', 'tiny');
  for (const name of await readdir(laneDir)) if ((await sha256OfFile(join(laneDir, name))) === opened.outputSha256) return { path: join(laneDir, name), sha256: opened.outputSha256 };
  throw new Error('no first file in the lane');
}

type Manifest = { circuits: Record<string, Record<'zkey' | 'vkey', { path: string; sha256: string; bytes?: number }>> };
type Fragment = { artifacts: Record<string, string>; trustedSetup: { kind: string; transcriptSha256: string } };

/** A copy of good's keys folder (and transcript, beside it as in a ceremony folder), changed by `change`; returns the keys folder. */
async function keysVariant(name: string, change: (keysDir: string, manifest: Manifest, fragment: Fragment) => Promise<void>): Promise<string> {
  const dir = join(root, name);
  await cp(join(good, 'keys'), join(dir, 'keys'), { recursive: true });
  await cp(join(good, 'transcript.json'), join(dir, 'transcript.json'));
  const keysDir = join(dir, 'keys');
  const manifest = await readJson<Manifest>(join(keysDir, 'keys-manifest.json'));
  const fragment = await readJson<Fragment>(join(keysDir, 'genesis-artifacts.json'));
  await change(keysDir, manifest, fragment);
  await writeFile(join(keysDir, 'keys-manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(keysDir, 'genesis-artifacts.json'), `${JSON.stringify(fragment, null, 2)}\n`);
  return keysDir;
}

/** The coordinator's lie of T40: the lane's first proving key in place of the final one, with a manifest and a genesis fragment to match. */
const substituteProvingKey = async (keysDir: string, manifest: Manifest, fragment: Fragment) => {
  const other = await uncontributedKey();
  await cp(other.path, join(keysDir, manifest.circuits['tiny']!.zkey.path));
  manifest.circuits['tiny']!.zkey.sha256 = other.sha256;
  fragment.artifacts['epoch-2/tiny.zkey'] = other.sha256;
};

const short = (sha256: string) => `${sha256.slice(0, 16)}…`;

describe('a keys folder against the attestation (checkAttestedKeys: a participant collecting, ceremony verify, genesis --keys)', () => {
  it("takes the ceremony's own keys folder, with or without the attested hashes at hand", async () => {
    const transcript = await readJson<TranscriptDocument>(join(good, 'transcript.json'));
    const transcriptSha256 = await sha256OfFile(join(good, 'transcript.json'));
    await expect(checkAttestedKeys(join(good, 'keys'), transcript, { attested, transcriptSha256, fragment: 'required' })).resolves.toEqual(attested);
    await expect(checkAttestedKeys(join(good, 'keys'), transcript, { transcriptSha256, fragment: 'required' })).resolves.toEqual(attested);
  });

  it.each([
    {
      lie: 'the proving key, its manifest entry and its genesis pin replaced by the lane\'s first key',
      change: substituteProvingKey,
      withAttested: /tiny\.zkey has sha256 [0-9a-f]{16}…, but the members attested [0-9a-f]{16}… as the proving key of tiny/,
      fromTranscript: /tiny\.zkey has sha256 [0-9a-f]{16}…, but the transcript names [0-9a-f]{16}… as the final proving key of tiny/,
    },
    {
      lie: 'only the genesis pin of the proving key changed (genesis would pin a key nobody attested)',
      change: async (_dir: string, _manifest: Manifest, fragment: Fragment) => {
        fragment.artifacts['epoch-2/tiny.zkey'] = (await uncontributedKey()).sha256;
      },
      withAttested: /genesis-artifacts\.json pins epoch-2\/tiny\.zkey as [0-9a-f]{16}…, but the proving key of tiny in the folder, the attested one, has [0-9a-f]{16}…/,
      fromTranscript: /genesis-artifacts\.json pins epoch-2\/tiny\.zkey as [0-9a-f]{16}…, but the proving key of tiny in the folder, the attested one, has/,
    },
    {
      lie: 'a circuit pinned that the ceremony does not have',
      change: (_dir: string, _manifest: Manifest, fragment: Fragment) => {
        fragment.artifacts['epoch-2/extra.zkey'] = 'ee'.repeat(32);
        return Promise.resolve();
      },
      withAttested: /genesis-artifacts\.json pins epoch-2\/extra\.zkey, which is not a key of the ceremony/,
      fromTranscript: /genesis-artifacts\.json pins epoch-2\/extra\.zkey, which is not a key of the ceremony/,
    },
    {
      lie: 'another transcript pinned',
      change: (_dir: string, _manifest: Manifest, fragment: Fragment) => {
        fragment.trustedSetup.transcriptSha256 = 'ab'.repeat(32);
        return Promise.resolve();
      },
      withAttested: /genesis-artifacts\.json pins the transcript abababababababab…, not this ceremony's/,
      fromTranscript: /genesis-artifacts\.json pins the transcript abababababababab…, not this ceremony's/,
    },
    {
      lie: 'the verification key replaced, with its manifest entry and genesis pin',
      change: async (keysDir: string, manifest: Manifest, fragment: Fragment) => {
        const vkey = join(keysDir, manifest.circuits['tiny']!.vkey.path);
        const text = (await readFile(vkey, 'utf8')).replace('"protocol"', '"curve": "bn128", "protocol"');
        await writeFile(vkey, text);
        manifest.circuits['tiny']!.vkey.sha256 = await sha256OfFile(vkey);
        fragment.artifacts['epoch-2/tiny.vkey'] = manifest.circuits['tiny']!.vkey.sha256;
      },
      withAttested: /tiny\.vkey\.json has sha256 [0-9a-f]{16}…, but the members attested [0-9a-f]{16}… as the verification key of tiny/,
      fromTranscript: /its proving keys and phase 1 file are the transcript's final ones, but the members' attestations do not verify over its verification keys/,
    },
  ])('refuses a folder with $lie, naming what differs', async ({ lie, change, withAttested, fromTranscript }) => {
    const keysDir = await keysVariant(`keys-${lie.replace(/[^a-z]+/g, '-')}`, change);
    const transcript = await readJson<TranscriptDocument>(join(keysDir, '..', 'transcript.json'));
    const transcriptSha256 = await sha256OfFile(join(keysDir, '..', 'transcript.json'));
    const given = await checkAttestedKeys(keysDir, transcript, { attested, transcriptSha256, fragment: 'required' }).catch((error: unknown) => error);
    expect(given).toBeInstanceOf(UnattestedKeysError);
    expect((given as Error).message).toMatch(withAttested);
    const derived = await checkAttestedKeys(keysDir, transcript, { transcriptSha256, fragment: 'required' }).catch((error: unknown) => error);
    expect(derived).toBeInstanceOf(UnattestedKeysError);
    expect((derived as Error).message).toMatch(fromTranscript);
  });

  it('names keys substituted after the attestations in ceremony verify, in the keys folder check', async () => {
    const dir = await variant('substituted-keys', async (folder) => {
      const manifest = await readJson<Manifest>(join(folder, 'keys', 'keys-manifest.json'));
      const fragment = await readJson<Fragment>(join(folder, 'keys', 'genesis-artifacts.json'));
      await substituteProvingKey(join(folder, 'keys'), manifest, fragment);
      await writeFile(join(folder, 'keys', 'keys-manifest.json'), JSON.stringify(manifest));
      await writeFile(join(folder, 'keys', 'genesis-artifacts.json'), JSON.stringify(fragment));
    });
    const problem = await failure(dir);
    expect(problem.check).toBe('the keys folder holds the attested keys, and its genesis fragment pins them and this transcript');
    expect(problem.detail).toContain(`tiny.zkey has sha256 ${short((await uncontributedKey()).sha256)}, but the members attested ${short(attested.circuits['tiny']!.zkeySha256)} as the proving key of tiny`);
  }, 60_000);
});

/**
 * A coordinator scripted by the test, on a real P2PNode: it serves good's files by hash as the
 * real coordinator does (its folder, and a keys folder of the test's choosing) and answers each
 * member's status request with the status the test sets for that member. It records what the
 * members send it.
 */
class ScriptedCoordinator {
  readonly statusFor = new Map<string, CeremonyStatus>();
  readonly received: { from: string; type: string }[] = [];
  private readonly indexes: FileIndex[] = [];
  private readonly attestationWaiters = new Map<string, () => void>();

  constructor(node: CeremonyTransport) {
    node.onRequest('ceremony', async (from, payload) => {
      const request = decodeRequest(payload);
      this.received.push({ from, type: request.type });
      if (request.type === 'attestation') this.attestationWaiters.get(from)?.();
      if (request.type === 'status') return encodeResponse({ type: 'status', status: this.statusFor.get(from)! });
      if (request.type === 'chunk') {
        for (const index of this.indexes) {
          const chunk = await index.chunk(request.sha256, request.offset);
          if (chunk !== undefined) return encodeChunk(chunk);
        }
        return encodeResponse({ type: 'refused', refusal: 'unknown_file', reason: 'no such file' });
      }
      return encodeResponse({ type: 'ok' });
    });
  }

  /** Resolves with 'attested' once `member` sends an attestation (never, for a member that refuses). */
  attestationFrom(member: string): Promise<'attested'> {
    return new Promise((resolve) => this.attestationWaiters.set(member, () => resolve('attested')));
  }

  /** Serves `dir`'s files (without `exclude`d sub-folders); returns their listing, as a status names them. */
  async serve(dir: string, exclude: readonly string[]): Promise<CeremonyStatus['files']> {
    const index = new FileIndex(dir, exclude);
    this.indexes.push(index);
    return index.refresh();
  }
}

describe('a member facing a coordinator that lies (distributed mode, over libp2p)', () => {
  const ids = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO'];
  let mesh: CeremonyMesh;
  let coordinator: ScriptedCoordinator;
  let ceremonyFiles: CeremonyStatus['files'];
  let transcript: TranscriptDocument;

  beforeAll(async () => {
    mesh = await CeremonyMesh.create(ids);
    await mesh.start();
    coordinator = new ScriptedCoordinator(mesh.node('T-Mobile-DE'));
    ceremonyFiles = await coordinator.serve(good, ['incoming', 'keys']);
    transcript = await readJson<TranscriptDocument>(join(good, 'transcript.json'));
  }, 60_000);
  afterAll(async () => mesh.stop());

  const statusOf = (changes: Partial<CeremonyStatus>): CeremonyStatus => ({
    stage: 'complete',
    transcript,
    due: null,
    files: ceremonyFiles,
    finalHashes: attested,
    keysFiles: [],
    rejections: [],
    abortReason: null,
    ...changes,
  });
  const participant = (id: string) =>
    new CeremonyParticipant({ dir: join(root, `participant-${id}`), memberId: id, signer: signer(id), transport: mesh.node(id), coordinator: 'T-Mobile-DE', pollIntervalMs: 100 });

  it("T39: refuses to attest final hashes other than those its own check of the ceremony found, and sends no attestation", async () => {
    // Every lane closed; the coordinator asks Telenor-NO to attest the lane's first proving key
    // (newZKey's output, made by the coordinator alone) as the final one.
    const lie = { ...attested, circuits: { tiny: { ...attested.circuits['tiny']!, zkeySha256: (await uncontributedKey()).sha256 } } };
    coordinator.statusFor.set('Telenor-NO', statusOf({ stage: 'attesting', transcript: { ...transcript, attestations: [] }, finalHashes: lie }));
    const telenor = participant('Telenor-NO');
    // A member that attests keeps polling for the end: the attestation arriving ends the wait too.
    const refused = await Promise.race([telenor.run().catch((error: unknown) => error), coordinator.attestationFrom('Telenor-NO')]);
    telenor.stop();
    expect(refused).toBeInstanceOf(AttestationError);
    expect((refused as Error).message).toBe('the final hashes the coordinator asks Telenor-NO to attest are not those its own check of the ceremony found: not attesting; do not use these keys');
    expect(coordinator.received.filter((request) => request.from === 'Telenor-NO' && request.type === 'attestation')).toEqual([]);
  }, 120_000);

  it('T40: collects the attested keys folder, and refuses one whose proving key was substituted after the attestations, naming it and both hashes', async () => {
    const honest = await coordinator.serve(join(good, 'keys'), []);
    const substituted = await coordinator.serve(await keysVariant('handed-out-keys', substituteProvingKey), []);
    coordinator.statusFor.set('Vodafone-UK', statusOf({ keysFiles: honest }));
    coordinator.statusFor.set('Orange-FR', statusOf({ keysFiles: substituted }));
    await expect(participant('Vodafone-UK').run()).resolves.toMatchObject({ stage: 'complete' });
    const refused = await participant('Orange-FR').run().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UnattestedKeysError);
    const message = (refused as Error).message;
    expect(message).toContain(`tiny.zkey has sha256 ${short((await uncontributedKey()).sha256)}, but the members attested ${short(attested.circuits['tiny']!.zkeySha256)} as the proving key of tiny`);
    expect(message).toContain('The coordinator T-Mobile-DE handed out keys other than the attested ones: do not pin or load them');
    expect(coordinator.received.filter((request) => request.type === 'collected').map((request) => request.from)).toEqual(['Vodafone-UK']);
  }, 120_000);
});
