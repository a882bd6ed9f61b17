import { Ed25519Verifier, fromHex } from '@consortium/consensus';
import { TranscriptEntryError } from '../errors.js';
import { planHash, type CeremonyPlan } from '../plan.js';
import { entrySignBytes, laneName, sameLane, type Lane, type TranscriptEntry } from './entries.js';

/**
 * Replays a transcript against its plan, entry by entry, and returns where the ceremony stands:
 * what each lane holds and the step that comes next. The first entry that breaks a rule throws a
 * TranscriptEntryError naming it. The same walk serves `ceremony verify` (a finished
 * transcript), a member about to contribute (is it my turn, on which file?) and a coordinator
 * resuming after a crash (the last verified file of the open lane).
 *
 * The steps are fixed by the plan: for each lane in order, `open` by the coordinator, then each
 * member's slot in the plan's order (its contribution, or its skip by the coordinator when the
 * policy allows it), then the coordinator's `beacon`. File checks (that each file is what its
 * hash says and that snarkjs verifies it) are the caller's: this walk is about who did what, in
 * which order, on which file.
 */

export interface LaneState {
  readonly lane: Lane;
  /** The sha256 of the lane's last verified file (null before it is opened). */
  readonly lastSha256: string | null;
  readonly contributors: readonly string[];
  readonly contributionHashes: readonly string[];
  readonly skipped: readonly string[];
  readonly closed: boolean;
}

export type NextStep =
  | { readonly kind: 'open'; readonly lane: Lane; readonly signer: string }
  | { readonly kind: 'contribution'; readonly lane: Lane; readonly member: string; readonly inputSha256: string }
  | { readonly kind: 'beacon'; readonly lane: Lane; readonly signer: string; readonly inputSha256: string };

export interface TranscriptState {
  readonly planHash: string;
  readonly lanes: readonly LaneState[];
  /** Null once every lane is closed: the ceremony is complete. */
  readonly next: NextStep | null;
  readonly entries: number;
}

/** The plan's lanes in order: phase 1 when the members make it, then phase 2 of each circuit. */
export function lanesOf(plan: CeremonyPlan): Lane[] {
  return [...(plan.phase1.source === 'ceremony' ? [{ phase: 1 } as const] : []), ...plan.circuits.map((circuit) => ({ phase: 2, circuit: circuit.name }) as const)];
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const HASH512_HEX = /^[0-9a-f]{128}$/;
const SIGNATURE_HEX = /^[0-9a-f]{128}$/;

interface MutableLane {
  lane: Lane;
  lastSha256: string | null;
  contributors: string[];
  contributionHashes: string[];
  skipped: string[];
  /** The next member slot (index into plan.members); members.length: the beacon is due. */
  slot: number;
  closed: boolean;
}

export function replayTranscript(plan: CeremonyPlan, entries: readonly TranscriptEntry[]): TranscriptState {
  const hash = planHash(plan);
  const keys = new Map(plan.members.map((member) => [member.id, fromHex(member.publicKey, 32)]));
  const verifier = new Ed25519Verifier();
  const lanes: MutableLane[] = lanesOf(plan).map((lane) => ({ lane, lastSha256: null, contributors: [], contributionHashes: [], skipped: [], slot: 0, closed: false }));
  let current = 0;

  const nextStep = (): NextStep | null => {
    const state = lanes[current];
    if (state === undefined) return null;
    if (state.lastSha256 === null) return { kind: 'open', lane: state.lane, signer: plan.coordinator };
    if (state.slot < plan.members.length) return { kind: 'contribution', lane: state.lane, member: plan.members[state.slot]!.id, inputSha256: state.lastSha256 };
    return { kind: 'beacon', lane: state.lane, signer: plan.coordinator, inputSha256: state.lastSha256 };
  };

  entries.forEach((entry, index) => {
    const refuse = (problem: ConstructorParameters<typeof TranscriptEntryError>[1], detail: string) => new TranscriptEntryError(index, problem, detail);
    const shape = malformation(entry);
    if (shape !== null) throw refuse('malformed', shape);
    if (entry.planHash !== hash) throw refuse('wrong_ceremony', `it belongs to the ceremony plan ${entry.planHash.slice(0, 16)}…, not to this one (${hash.slice(0, 16)}…)`);
    if (entry.seq !== index) throw refuse('wrong_sequence', `its sequence number is ${entry.seq}, expected ${index}: an entry replayed, dropped or moved`);
    const key = keys.get(entry.signer);
    if (key === undefined || key === null) throw refuse('unknown_member', `signed by ${entry.signer}, who is not a member of the plan`);
    if (!verifier.verify(key, entrySignBytes(entry), fromHex(entry.signature, 64)!)) throw refuse('bad_signature', `its signature does not verify with ${entry.signer}'s key: forged or altered after signing`);

    const expected = nextStep();
    if (expected === null) throw refuse('wrong_lane', `the ceremony was complete; nothing may follow (${entry.kind} in ${laneName(entry.lane)})`);
    if (!sameLane(entry.lane, expected.lane)) throw refuse('wrong_lane', `${entry.kind} in ${laneName(entry.lane)} while ${laneName(expected.lane)} is open`);
    const state = lanes[current]!;
    const turn = expected.kind === 'contribution' ? `${expected.member}'s contribution` : `the coordinator's ${expected.kind}`;

    switch (entry.kind) {
      case 'open':
        if (expected.kind !== 'open') throw refuse('out_of_order', `an open of ${laneName(entry.lane)}, which is already open; expected ${turn}`);
        if (entry.signer !== plan.coordinator) throw refuse('out_of_order', `opened by ${entry.signer}; only the coordinator ${plan.coordinator} opens a lane`);
        state.lastSha256 = entry.outputSha256;
        return;
      case 'contribution':
        if (expected.kind !== 'contribution') throw refuse('out_of_order', `a contribution by ${entry.signer}; expected ${turn}`);
        if (entry.signer !== expected.member) throw refuse('out_of_order', `${entry.signer} contributed where it was ${expected.member}'s turn`);
        if (entry.inputSha256 !== expected.inputSha256) throw refuse('broken_chain', `${entry.signer} built on ${entry.inputSha256.slice(0, 16)}…, not on the last verified file ${expected.inputSha256.slice(0, 16)}…`);
        state.contributors.push(entry.signer);
        state.contributionHashes.push(entry.contributionHash);
        state.lastSha256 = entry.outputSha256;
        state.slot += 1;
        return;
      case 'skip':
        if (expected.kind !== 'contribution') throw refuse('out_of_order', `a skip of ${entry.member}; expected ${turn}`);
        if (plan.onMissingContribution !== 'skip') throw refuse('skip_not_allowed', `${entry.member} was skipped, but the plan aborts the ceremony when a member does not contribute`);
        if (entry.signer !== plan.coordinator) throw refuse('skip_not_allowed', `${entry.member}'s skip was signed by ${entry.signer}; only the coordinator ${plan.coordinator} decides one`);
        if (entry.member !== expected.member) throw refuse('out_of_order', `a skip of ${entry.member} where it was ${expected.member}'s turn`);
        {
          // A member's turn starts with the entry before; it may be skipped only once the plan's time limit is over.
          const waitedMs = entry.timeMs - (entries[index - 1]?.timeMs ?? entry.timeMs);
          if (waitedMs < plan.contributionTimeLimitMs) throw refuse('skip_not_allowed', `${entry.member} was skipped ${waitedMs} ms into its turn, before the plan's limit of ${plan.contributionTimeLimitMs} ms`);
        }
        state.skipped.push(entry.member);
        state.slot += 1;
        return;
      case 'beacon':
        if (expected.kind !== 'beacon') throw refuse('out_of_order', `the beacon before the members' turns are over; expected ${turn}`);
        if (entry.signer !== plan.coordinator) throw refuse('out_of_order', `the beacon was signed by ${entry.signer}; only the coordinator ${plan.coordinator} closes a lane`);
        if (state.contributors.length === 0) throw refuse('skip_not_allowed', `${laneName(state.lane)} would close without any member's contribution: every member was skipped`);
        if (entry.inputSha256 !== expected.inputSha256) throw refuse('broken_chain', `the beacon was applied to ${entry.inputSha256.slice(0, 16)}…, not to the last verified file ${expected.inputSha256.slice(0, 16)}…`);
        state.lastSha256 = entry.outputSha256;
        state.closed = true;
        current += 1;
        return;
    }
  });

  return {
    planHash: hash,
    lanes: lanes.map(({ slot: _slot, ...lane }) => lane),
    next: nextStep(),
    entries: entries.length,
  };
}

/** What is wrong with an entry's shape, or null. Transcripts come from files and peers: nothing is assumed. */
function malformation(entry: TranscriptEntry): string | null {
  const value = entry as unknown as Record<string, unknown>;
  if (typeof value !== 'object' || value === null) return 'not an object';
  if (!['open', 'contribution', 'skip', 'beacon'].includes(value['kind'] as string)) return `unknown kind ${JSON.stringify(value['kind'])}`;
  if (!Number.isSafeInteger(value['seq']) || (value['seq'] as number) < 0) return 'seq must be a whole number from 0';
  if (typeof value['planHash'] !== 'string' || !SHA256_HEX.test(value['planHash'])) return 'planHash must be 32 bytes as hex';
  const lane = value['lane'] as Record<string, unknown> | null;
  if (typeof lane !== 'object' || lane === null || !(lane['phase'] === 1 || (lane['phase'] === 2 && typeof lane['circuit'] === 'string'))) return 'lane must be { phase: 1 } or { phase: 2, circuit }';
  if (!Number.isSafeInteger(value['timeMs'])) return 'timeMs must be a whole number of milliseconds';
  if (typeof value['signer'] !== 'string') return 'signer must be a member id';
  if (typeof value['signature'] !== 'string' || !SIGNATURE_HEX.test(value['signature'])) return 'signature must be 64 bytes as hex';
  const hexField = (name: string, pattern: RegExp, what: string) => (typeof value[name] === 'string' && pattern.test(value[name]) ? null : `${name} must be ${what} as hex`);
  switch (value['kind']) {
    case 'open':
      return hexField('outputSha256', SHA256_HEX, '32 bytes');
    case 'contribution':
      return hexField('inputSha256', SHA256_HEX, '32 bytes') ?? hexField('outputSha256', SHA256_HEX, '32 bytes') ?? hexField('contributionHash', HASH512_HEX, '64 bytes');
    case 'skip':
      return typeof value['member'] === 'string' && typeof value['reason'] === 'string' ? null : 'a skip names the member and the reason';
    default:
      return hexField('inputSha256', SHA256_HEX, '32 bytes') ?? hexField('outputSha256', SHA256_HEX, '32 bytes') ?? hexField('contributionHash', HASH512_HEX, '64 bytes') ?? hexField('beacon', /^[0-9a-f]{2,128}$/, '1 to 64 bytes');
  }
}
