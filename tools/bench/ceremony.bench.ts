// The multi-party ceremony, five members, on one machine (each member's step run in turn, in
// process: what the file-based and distributed modes do across machines, without the hand-over):
// the time of every step at the circuit's size, and the demo's single-party sequence for
// comparison. `npm run bench -- ceremony` runs settlement-344 (2^14); CEREMONY_BENCH_CIRCUITS=
// settlement-1433 (2^16) or settlement-61 (2^12, the devnet's). Goals (issue 10): the whole
// five-member ceremony at 2^14 <= 3 min; phase 2 alone <= 60 s; the demo at the devnet's circuit
// well under a minute.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CeremonyWorkspace, domainPowerOf, PLAN_FORMAT, readR1csHeader, sha256OfFile, signPlan, verifyCeremony, writeCeremonyKeys, attest, writeTranscriptFile, type CeremonyPlan } from '@consortium/ceremony';
import { buildCircuit, ptauPowerFor } from '@consortium/circuits';
import { Ed25519Signer, generateEd25519KeyPair, toHex } from '@consortium/consensus';
import { newZKey, openSetupCurve, preparePhase2ForDomains, runSinglePartySetup, verifyNewZKey, verifyPreparedPhase2 } from '@consortium/zkp';

const MEMBERS = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO', 'SFR-FR'];
const BEACON = 'c0'.repeat(32);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function timed<T>(rows: [string, number][], label: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  const elapsed = performance.now() - started;
  rows.push([label, elapsed]);
  console.log(`  ${label.padEnd(58)} ${seconds(elapsed).padStart(9)}`);
  return result;
}

export async function runCeremonyBench(): Promise<void> {
  const circuits = (process.env['CEREMONY_BENCH_CIRCUITS'] ?? 'settlement-344').split(',');
  for (const name of circuits) await benchCircuit(name);
}

async function benchCircuit(name: string): Promise<void> {
  const built = await buildCircuit(name);
  const r1cs = join(built.dir, built.manifest.files.r1cs.path);
  const power = ptauPowerFor(built.manifest.constraints, built.manifest.publicInputs.length);
  const domain = domainPowerOf(await readR1csHeader(r1cs));
  console.log(`\n${name}: ${built.manifest.constraints.toLocaleString('en-US')} constraints, powers of tau 2^${power}, five members`);
  const root = await mkdtemp(join(tmpdir(), 'ceremony-bench-'));
  const rows: [string, number][] = [];
  const curve = await openSetupCurve();
  try {
    const signers = new Map(MEMBERS.map((id) => [id, new Ed25519Signer(generateEd25519KeyPair())]));
    const plan: CeremonyPlan = {
      format: PLAN_FORMAT,
      ceremonyId: `bench/${name}`,
      chainId: 'bench',
      members: MEMBERS.map((id) => ({ id, publicKey: toHex(signers.get(id)!.publicKey) })),
      coordinator: MEMBERS[0]!,
      phase1: { source: 'ceremony', power },
      circuits: [{ name, r1csSha256: await sha256OfFile(r1cs) }],
      contributionTimeLimitMs: 3_600_000,
      onMissingContribution: 'skip',
      beacon: { source: 'bench', iterationsExp: 10 },
      createdAt: new Date().toISOString(),
    };
    const dir = join(root, 'ceremony');
    const workspace = await CeremonyWorkspace.create(dir, plan, MEMBERS.map((id) => signPlan(plan, id, signers.get(id)!)), { [name]: r1cs });
    const coordinator = MEMBERS[0]!;
    const started = performance.now();
    let phase2Started = 0;
    for (let next = workspace.next(); next !== null; next = workspace.next()) {
      const lane = next.lane.phase === 1 ? 'phase 1' : 'phase 2';
      if (next.kind === 'open') {
        if (next.lane.phase === 2) phase2Started = performance.now();
        await timed(rows, next.lane.phase === 1 ? 'phase 1: open (new accumulator)' : 'phase 2: prepare (Lagrange bases, circuit domain) + open (newZKey)', () =>
          workspace.open(coordinator, signers.get(coordinator)!, curve),
        );
      } else if (next.kind === 'beacon') {
        await timed(rows, `${lane}: check + beacon`, () => workspace.close(coordinator, signers.get(coordinator)!, curve, BEACON));
      } else {
        await timed(rows, `${lane}: ${next.member} checks the lane + contributes`, () => workspace.contribute(next.member, signers.get(next.member)!, curve));
      }
    }
    const ceremonyMs = performance.now() - started;
    const phase2Ms = performance.now() - phase2Started;
    const keys = await timed(rows, 'finish: export the verification key, write the keys', async () =>
      writeCeremonyKeys({
        transcript: workspace.transcript,
        keysDir: workspace.folder.keys,
        epoch: 2,
        phase1Final: await workspace.phase1Final(),
        circuits: [{ name, constraints: built.manifest.constraints, r1cs, wasm: join(built.dir, built.manifest.files.wasm.path), zkey: await workspace.currentFile({ phase: 2, circuit: name }) }],
      }),
    );
    let transcript = workspace.transcript;
    for (const id of MEMBERS) transcript = attest(transcript, keys.finalHashes, id, signers.get(id)!);
    await writeTranscriptFile(workspace.folder.transcript, transcript);
    await timed(rows, 'ceremony verify (everything, the prepared file checked)', () => verifyCeremony(dir));
    await timed(rows, 'the prepared file checked alone (verifyPreparedPhase2)', async () => verifyPreparedPhase2(curve, await workspace.phase1Final(), workspace.folder.preparedPtau, [domain]));
    await timed(rows, 'the same file prepared again (preparePhase2ForDomains)', async () => preparePhase2ForDomains(curve, await workspace.phase1Final(), join(root, 'again.ptau'), [domain]));
    const again = join(root, 'again.zkey');
    await timed(rows, "phase 2's first file made again (snarkjs's newZKey)", () => newZKey(r1cs, workspace.folder.preparedPtau, again));
    await timed(rows, 'the same file checked (verifyNewZKey)', () => verifyNewZKey(curve, r1cs, workspace.folder.preparedPtau, again));
    console.log(`  ${'whole five-member ceremony (phase 1, phase 2, beacons)'.padEnd(58)} ${seconds(ceremonyMs).padStart(9)}`);
    console.log(`  ${'phase 2 alone (prepare, newZKey, 5 contributions, beacon)'.padEnd(58)} ${seconds(phase2Ms).padStart(9)}`);

    const demoStarted = performance.now();
    const work = await mkdtemp(join(root, 'demo-'));
    await runSinglePartySetup({ workDir: work, power, circuits: [{ name, r1csPath: r1cs, domainPower: domain }], contributionName: 'bench', ptauBeaconHex: BEACON, beaconIterationsExp: 10 });
    console.log(`  ${'single-party demo sequence (runSinglePartySetup)'.padEnd(58)} ${seconds(performance.now() - demoStarted).padStart(9)}`);
  } finally {
    await curve.terminate();
    await rm(root, { recursive: true, force: true });
  }
}
