import { createHash } from 'node:crypto';
import { Ed25519Signer, ed25519KeyPairFromSeed, toHex } from '@consortium/consensus';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidPlanError,
  lanesOf,
  PLAN_FORMAT,
  PlanSignatureError,
  planHash,
  replayTranscript,
  signEntry,
  signPlan,
  TranscriptEntryError,
  validatePlan,
  verifyPlanSignatures,
  type CeremonyPlan,
  type Lane,
  type TranscriptEntry,
  type TranscriptProblem,
  type UnsignedEntry,
} from '../../src/index.js';

const MEMBER_IDS = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO', 'SFR-FR', 'Swisscom-CH', 'KPN-NL'];
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const hash512 = (text: string) => createHash('sha512').update(text).digest('hex');

interface Ceremony {
  readonly plan: CeremonyPlan;
  readonly signers: ReadonlyMap<string, Ed25519Signer>;
}

function ceremony(members: number, overrides: Partial<CeremonyPlan> = {}): Ceremony {
  const signers = new Map(MEMBER_IDS.slice(0, members).map((id, i) => [id, new Ed25519Signer(ed25519KeyPairFromSeed(new Uint8Array(32).fill(i + 1)))]));
  const plan: CeremonyPlan = {
    format: PLAN_FORMAT,
    ceremonyId: 'sp-consortium/epoch-2',
    chainId: 'sp-consortium-test',
    members: [...signers].map(([id, signer]) => ({ id, publicKey: toHex(signer.publicKey) })),
    coordinator: MEMBER_IDS[0]!,
    phase1: { source: 'ceremony', power: 10 },
    circuits: [
      { name: 'settlement-4', r1csSha256: sha('settlement-4.r1cs') },
      { name: 'settlement-16', r1csSha256: sha('settlement-16.r1cs') },
    ],
    contributionTimeLimitMs: 600_000,
    onMissingContribution: 'skip',
    beacon: { source: 'the hash of Bitcoin block 930,000', iterationsExp: 10 },
    createdAt: '2026-11-29T20:00:00.000Z',
    ...overrides,
  };
  return { plan, signers };
}

/** Builds entries one by one, signing each with the right key and numbering it, like the real ceremony. */
class TranscriptWriter {
  readonly entries: TranscriptEntry[] = [];
  private last = new Map<string, string>();
  /** A second between steps; a skip comes once the skipped member's time limit is over. */
  private clockMs = 1_700_000_000_000;

  constructor(private readonly c: Ceremony) {}

  private add(entry: Omit<UnsignedEntry, 'seq' | 'planHash' | 'timeMs'>, signer = entry.signer): TranscriptEntry {
    this.clockMs += entry.kind === 'skip' ? this.c.plan.contributionTimeLimitMs : 1_000;
    const unsigned = { ...entry, seq: this.entries.length, planHash: planHash(this.c.plan), timeMs: this.clockMs } as UnsignedEntry;
    const signed = signEntry(unsigned, this.c.signers.get(signer)!);
    this.entries.push(signed);
    return signed;
  }

  open(lane: Lane): void {
    const output = sha(`${JSON.stringify(lane)} initial`);
    this.last.set(JSON.stringify(lane), output);
    this.add({ kind: 'open', lane, signer: this.c.plan.coordinator, outputSha256: output } as UnsignedEntry);
  }

  contribute(lane: Lane, member: string, inputSha256 = this.last.get(JSON.stringify(lane))!): void {
    const output = sha(`${JSON.stringify(lane)} ${member} ${this.entries.length}`);
    this.last.set(JSON.stringify(lane), output);
    this.add({ kind: 'contribution', lane, signer: member, inputSha256, outputSha256: output, contributionHash: hash512(output) } as UnsignedEntry);
  }

  skip(lane: Lane, member: string, signer = this.c.plan.coordinator): void {
    this.add({ kind: 'skip', lane, signer, member, reason: 'no contribution within 600 s' } as UnsignedEntry);
  }

  beacon(lane: Lane): void {
    const input = this.last.get(JSON.stringify(lane))!;
    const output = sha(`${JSON.stringify(lane)} final`);
    this.last.set(JSON.stringify(lane), output);
    this.add({ kind: 'beacon', lane, signer: this.c.plan.coordinator, inputSha256: input, outputSha256: output, beacon: 'ab'.repeat(32), contributionHash: hash512(output) } as UnsignedEntry);
  }

  /** Every lane: open, every member in order, beacon. */
  complete(): TranscriptEntry[] {
    for (const lane of lanesOf(this.c.plan)) {
      this.open(lane);
      for (const member of this.c.plan.members) this.contribute(lane, member.id);
      this.beacon(lane);
    }
    return this.entries;
  }
}

function refusal(c: Ceremony, entries: readonly TranscriptEntry[]): { index: number; problem: TranscriptProblem; message: string } {
  try {
    replayTranscript(c.plan, entries);
  } catch (error) {
    if (error instanceof TranscriptEntryError) return { index: error.index, problem: error.problem, message: error.message };
    throw error;
  }
  throw new Error('the transcript was accepted');
}

const PHASE1: Lane = { phase: 1 };

describe.each([4, 5, 7])('a ceremony of %i members', (members) => {
  it('replays a complete transcript: every lane closed, every member in the plan order', () => {
    const c = ceremony(members);
    const entries = new TranscriptWriter(c).complete();
    const state = replayTranscript(c.plan, entries);
    expect(state.next).toBeNull();
    expect(state.lanes.map((lane) => lane.lane)).toEqual([{ phase: 1 }, { phase: 2, circuit: 'settlement-4' }, { phase: 2, circuit: 'settlement-16' }]);
    for (const lane of state.lanes) {
      expect(lane.closed).toBe(true);
      expect(lane.contributors).toEqual(MEMBER_IDS.slice(0, members));
      expect(lane.contributionHashes).toHaveLength(members);
    }
    expect(entries).toHaveLength(3 * (members + 2));
  });

  it('tells a ceremony in progress whose turn it is and on which file', () => {
    const c = ceremony(members);
    const writer = new TranscriptWriter(c);
    writer.open(PHASE1);
    writer.contribute(PHASE1, MEMBER_IDS[0]!);
    const state = replayTranscript(c.plan, writer.entries);
    expect(state.next).toMatchObject({ kind: 'contribution', lane: PHASE1, member: MEMBER_IDS[1], inputSha256: writer.entries[1]!.kind === 'contribution' ? writer.entries[1]!.outputSha256 : '' });
    expect(replayTranscript(c.plan, []).next).toEqual({ kind: 'open', lane: PHASE1, signer: MEMBER_IDS[0] });
  });

  it('needs every member to sign the plan before anything starts', () => {
    const c = ceremony(members);
    const signatures = c.plan.members.map((member) => signPlan(c.plan, member.id, c.signers.get(member.id)!));
    expect(() => verifyPlanSignatures(c.plan, signatures)).not.toThrow();
    const last = MEMBER_IDS[members - 1]!;
    expect(() => verifyPlanSignatures(c.plan, signatures.slice(0, -1))).toThrow(new PlanSignatureError(`${last} has not signed the plan: no contribution may start before every member has`));
    // A signature over another version of the plan (a different beacon source) does not count.
    const other = { ...c.plan, beacon: { ...c.plan.beacon, source: 'a value chosen later' } };
    const forged = [...signatures.slice(0, -1), signPlan(other, last, c.signers.get(last)!)];
    expect(() => verifyPlanSignatures(c.plan, forged)).toThrow(PlanSignatureError);
    // Nor does one made by another member's key.
    const wrongKey = [...signatures.slice(0, -1), { member: last, signature: signPlan(c.plan, last, c.signers.get(MEMBER_IDS[0]!)!).signature }];
    expect(() => verifyPlanSignatures(c.plan, wrongKey)).toThrow(`${last}'s signature over the plan does not verify`);
  });
});

describe('tampered transcripts: the first problem is named', () => {
  const c = ceremony(5);
  const valid = new TranscriptWriter(c).complete();
  const contribution = 3; // phase 1: T-Mobile-DE is entry 1, Vodafone-UK 2, Orange-FR 3

  it('an entry altered after signing', () => {
    const altered = valid.map((entry, i) => (i === contribution ? { ...entry, outputSha256: sha('something else') } : entry));
    expect(refusal(c, altered)).toMatchObject({ index: contribution, problem: 'bad_signature' });
  });

  it('an entry signed by another member than the one it names', () => {
    const entry = valid[contribution]!;
    const { signature: _signature, ...unsigned } = entry;
    const forged = valid.map((e, i) => (i === contribution ? signEntry(unsigned, c.signers.get('SFR-FR')!) : e));
    expect(refusal(c, forged)).toMatchObject({ index: contribution, problem: 'bad_signature' });
  });

  it('a replayed entry', () => {
    expect(refusal(c, [...valid.slice(0, 4), valid[3]!, ...valid.slice(4)])).toMatchObject({ index: 4, problem: 'wrong_sequence' });
  });

  it('two entries swapped', () => {
    const swapped = [...valid];
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!];
    expect(refusal(c, swapped)).toMatchObject({ index: 2, problem: 'wrong_sequence' });
  });

  it('a dropped entry (a truncated middle)', () => {
    expect(refusal(c, [...valid.slice(0, 2), ...valid.slice(3)])).toMatchObject({ index: 2, problem: 'wrong_sequence' });
  });

  it('an entry of another ceremony', () => {
    const other = ceremony(5, { ceremonyId: 'sp-consortium/epoch-3' });
    expect(refusal(c, new TranscriptWriter(other).complete())).toMatchObject({ index: 0, problem: 'wrong_ceremony' });
  });

  it('a member contributing out of turn, though every signature is right', () => {
    const writer = new TranscriptWriter(c);
    writer.open(PHASE1);
    writer.contribute(PHASE1, 'T-Mobile-DE');
    writer.contribute(PHASE1, 'Orange-FR');
    expect(refusal(c, writer.entries)).toMatchObject({ index: 2, problem: 'out_of_order', message: "transcript entry 2: Orange-FR contributed where it was Vodafone-UK's turn" });
  });

  it('a fork: a contribution built on an older file than the last verified one', () => {
    const writer = new TranscriptWriter(c);
    writer.open(PHASE1);
    writer.contribute(PHASE1, 'T-Mobile-DE');
    const afterFirst = writer.entries[1]!.kind === 'contribution' ? writer.entries[1]!.outputSha256 : '';
    writer.contribute(PHASE1, 'Vodafone-UK');
    writer.contribute(PHASE1, 'Orange-FR', afterFirst); // drops Vodafone-UK's contribution
    expect(refusal(c, writer.entries)).toMatchObject({ index: 3, problem: 'broken_chain' });
  });

  it('a truncated end is no error, but the ceremony is not complete', () => {
    const state = replayTranscript(c.plan, valid.slice(0, -1));
    expect(state.next).toMatchObject({ kind: 'beacon', signer: 'T-Mobile-DE' });
    expect(state.lanes.at(-1)!.closed).toBe(false);
  });

  it('anything after the last beacon', () => {
    const writer = new TranscriptWriter(c);
    writer.complete();
    writer.open(PHASE1);
    expect(refusal(c, writer.entries)).toMatchObject({ index: valid.length, problem: 'wrong_lane' });
  });

  it('a non-member signer', () => {
    const stranger = new Ed25519Signer(ed25519KeyPairFromSeed(new Uint8Array(32).fill(99)));
    const entry = signEntry({ ...(valid[0] as UnsignedEntry), signer: 'Mallory' }, stranger);
    expect(refusal(c, [entry])).toMatchObject({ index: 0, problem: 'unknown_member' });
  });

  it('a malformed entry', () => {
    const { signature: _signature, ...unsigned } = valid[0]!;
    expect(refusal(c, [unsigned as TranscriptEntry])).toMatchObject({ index: 0, problem: 'malformed' });
    expect(refusal(c, [{ ...valid[0]!, lane: { phase: 3 } } as unknown as TranscriptEntry])).toMatchObject({ index: 0, problem: 'malformed' });
  });

  it('any one field of any entry changed after signing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.constantFrom('timeMs', 'outputSha256', 'signer', 'seq'), (index, field) => {
        const entry = valid[index]! as unknown as Record<string, unknown>;
        const changed = { ...entry, [field]: field === 'timeMs' || field === 'seq' ? (entry[field] as number) + 1 : field === 'signer' ? (entry.signer === 'Vodafone-UK' ? 'Orange-FR' : 'Vodafone-UK') : sha('x') };
        const entries = valid.map((e, i) => (i === index ? (changed as unknown as TranscriptEntry) : e));
        expect(refusal(c, entries).index).toBe(index);
      }),
      { seed: 9, numRuns: 200 },
    );
  });
});

describe('a member that does not contribute', () => {
  it('is skipped by the coordinator when the plan says skip; the next member builds on the same file', () => {
    const c = ceremony(4);
    const writer = new TranscriptWriter(c);
    writer.open(PHASE1);
    writer.contribute(PHASE1, 'T-Mobile-DE');
    writer.skip(PHASE1, 'Vodafone-UK');
    writer.contribute(PHASE1, 'Orange-FR');
    writer.contribute(PHASE1, 'Telenor-NO');
    writer.beacon(PHASE1);
    const [phase1] = replayTranscript(c.plan, writer.entries).lanes;
    expect(phase1).toMatchObject({ contributors: ['T-Mobile-DE', 'Orange-FR', 'Telenor-NO'], skipped: ['Vodafone-UK'], closed: true });
  });

  it('cannot be skipped when the plan aborts, nor by anyone but the coordinator', () => {
    const aborting = ceremony(4, { onMissingContribution: 'abort' });
    const writer = new TranscriptWriter(aborting);
    writer.open(PHASE1);
    writer.skip(PHASE1, 'T-Mobile-DE');
    expect(refusal(aborting, writer.entries)).toMatchObject({ index: 1, problem: 'skip_not_allowed' });

    const c = ceremony(4);
    const byOther = new TranscriptWriter(c);
    byOther.open(PHASE1);
    byOther.skip(PHASE1, 'T-Mobile-DE', 'Orange-FR');
    expect(refusal(c, byOther.entries)).toMatchObject({ index: 1, problem: 'skip_not_allowed' });
  });

  it('cannot be skipped before its time limit is over', () => {
    const c = ceremony(5);
    const writer = new TranscriptWriter(c);
    writer.open(PHASE1);
    const early = signEntry(
      { kind: 'skip', seq: 1, planHash: planHash(c.plan), lane: PHASE1, timeMs: writer.entries[0]!.timeMs + c.plan.contributionTimeLimitMs - 1, signer: c.plan.coordinator, member: 'T-Mobile-DE', reason: 'impatient' },
      c.signers.get(c.plan.coordinator)!,
    );
    expect(refusal(c, [...writer.entries, early])).toMatchObject({ index: 1, problem: 'skip_not_allowed' });
  });

  it('leaves no lane closed without a single contribution', () => {
    const c = ceremony(4);
    const writer = new TranscriptWriter(c);
    writer.open(PHASE1);
    for (const member of c.plan.members) writer.skip(PHASE1, member.id);
    writer.beacon(PHASE1);
    expect(refusal(c, writer.entries)).toMatchObject({ index: 5, problem: 'skip_not_allowed' });
  });
});

describe('the plan', () => {
  it('refuses what no ceremony can follow', () => {
    const { plan } = ceremony(5);
    expect(() => validatePlan({ ...plan, members: [...plan.members, plan.members[0]!] })).toThrow(new InvalidPlanError('ceremony plan "sp-consortium/epoch-2": member T-Mobile-DE is listed twice'));
    expect(() => validatePlan({ ...plan, coordinator: 'Mallory' })).toThrow('the coordinator Mallory is not a member');
    expect(() => validatePlan({ ...plan, phase1: { source: 'ceremony', power: 29 } })).toThrow('phase 1 power 29: from 1 to 28');
    expect(() => validatePlan({ ...plan, beacon: { source: ' ', iterationsExp: 10 } })).toThrow('the beacon source must be named in advance');
    expect(() => validatePlan({ ...plan, circuits: [] })).toThrow('no circuit');
    expect(() => validatePlan(plan)).not.toThrow();
  });

  it('without phase 1 by the members (an imported powers-of-tau file), has phase-2 lanes only', () => {
    const { plan } = ceremony(5, { phase1: { source: 'import', power: 12, file: 'powersOfTau28_hez_final_12.ptau', sha256: sha('ptau') } });
    expect(lanesOf(plan)).toEqual([{ phase: 2, circuit: 'settlement-4' }, { phase: 2, circuit: 'settlement-16' }]);
  });
});
