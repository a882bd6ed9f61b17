import { MAX_MEMBERS } from '@consortium/consensus';
import { InvalidMemberSelectionError } from './errors.js';

/** What the CLI knows about a member before its keys exist. */
export interface MemberDetails {
  readonly id: string;
  readonly operator: string;
  /** GSMA TADIG code, e.g. DEUD1. */
  readonly tadig: string;
}

/**
 * Members the CLI can fill in by id. The first five are the founding members (docs/DESIGN.md);
 * the next three are further European operators, so a devnet of up to eight looks like a real
 * roaming consortium. The order is the devnet order: `--members 4` takes the first four.
 */
export const KNOWN_MEMBERS: readonly MemberDetails[] = [
  { id: 'T-Mobile-DE', operator: 'Telekom Deutschland', tadig: 'DEUD1' },
  { id: 'Vodafone-UK', operator: 'Vodafone UK', tadig: 'GBRVF' },
  { id: 'Orange-FR', operator: 'Orange France', tadig: 'FRAF1' },
  { id: 'Telenor-NO', operator: 'Telenor Norway', tadig: 'NORTM' },
  { id: 'SFR-FR', operator: 'SFR', tadig: 'FRAF2' },
  { id: 'Swisscom-CH', operator: 'Swisscom', tadig: 'CHEC1' },
  { id: 'KPN-NL', operator: 'KPN', tadig: 'NLDPT' },
  { id: 'Proximus-BE', operator: 'Proximus', tadig: 'BELTB' },
];

export const KNOWN_MEMBER_IDS: readonly string[] = KNOWN_MEMBERS.map((member) => member.id);

/** The number of founding members: the default size of a devnet. */
export const FOUNDING_MEMBER_COUNT = 5;

const GENERATED_ID = /^Member-(\d{1,2})$/;

/**
 * Test member number n (n > KNOWN_MEMBERS.length), for devnets larger than the table. Its TADIG
 * uses ZZZ, a user-assigned ISO 3166 alpha-3 code, so it can never be a real operator's.
 */
export function generatedMember(n: number): MemberDetails {
  if (!Number.isInteger(n) || n <= KNOWN_MEMBERS.length || n > MAX_MEMBERS) {
    throw new RangeError(`generated members are numbered ${KNOWN_MEMBERS.length + 1} to ${MAX_MEMBERS}, got ${n}`);
  }
  return { id: `Member-${n}`, operator: `Test Operator ${n}`, tadig: `ZZZ${String(n).padStart(2, '0')}` };
}

/** The details of a known or generated member id, or null for an id the CLI does not know. */
export function memberDetailsOf(id: string): MemberDetails | null {
  const known = KNOWN_MEMBERS.find((member) => member.id === id);
  if (known !== undefined) return known;
  const generated = GENERATED_ID.exec(id);
  const n = generated === null ? NaN : Number(generated[1]);
  return Number.isInteger(n) && n > KNOWN_MEMBERS.length && n <= MAX_MEMBERS && id === `Member-${n}` ? generatedMember(n) : null;
}

/** The first `count` devnet members: the known ones in order, then Member-9, Member-10, ... */
export function firstMembers(count: number): MemberDetails[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_MEMBERS) {
    throw new RangeError(`a devnet has 1 to ${MAX_MEMBERS} members, got ${count}`);
  }
  return Array.from({ length: count }, (_, i) => KNOWN_MEMBERS[i] ?? generatedMember(i + 1));
}

/**
 * Reads `--members`: a count ("5") or a comma-separated list of member ids
 * ("T-Mobile-DE,Vodafone-UK,Member-9"). Throws InvalidMemberSelectionError naming the problem.
 */
export function selectMembers(spec: string): MemberDetails[] {
  const text = spec.trim();
  if (/^\d+$/.test(text)) {
    const count = Number(text);
    if (count < 1 || count > MAX_MEMBERS) throw new InvalidMemberSelectionError(`a devnet has 1 to ${MAX_MEMBERS} members, got ${count}`, KNOWN_MEMBER_IDS);
    return firstMembers(count);
  }
  const ids = text.split(',').map((id) => id.trim());
  if (ids.some((id) => id === '')) throw new InvalidMemberSelectionError(`${JSON.stringify(spec)} has an empty entry`, KNOWN_MEMBER_IDS);
  if (ids.length > MAX_MEMBERS) throw new InvalidMemberSelectionError(`at most ${MAX_MEMBERS} members, got ${ids.length}`, KNOWN_MEMBER_IDS);
  const unknown = ids.filter((id) => memberDetailsOf(id) === null);
  if (unknown.length > 0) throw new InvalidMemberSelectionError(`unknown member id${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}`, KNOWN_MEMBER_IDS);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (repeated.length > 0) throw new InvalidMemberSelectionError(`${[...new Set(repeated)].join(', ')} listed more than once`, KNOWN_MEMBER_IDS);
  return ids.map((id) => memberDetailsOf(id)!);
}
