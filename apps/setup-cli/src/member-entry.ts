import { DEFAULT_CONSENSUS_PARAMS, GenesisValidationError, parseGenesis } from '@consortium/consensus';
import { InvalidMemberEntryError, MemberFileError } from './errors.js';
import type { MemberDetails } from './members.js';

/**
 * A member's public entry: what `keys` prints, what a member sends to whoever assembles genesis
 * (as <member-id>.member.json), and exactly one element of genesis `members`. It holds public
 * keys only.
 */
export interface MemberEntryJson {
  readonly id: string;
  readonly operator: string;
  readonly tadig: string;
  /** The validator's ed25519 public key, 64 hex characters. */
  readonly publicKey: string;
  /** The node's libp2p peer id, 12D3KooW... */
  readonly peerId: string;
  readonly votingPower: number;
}

const ENTRY_FIELDS: readonly (keyof MemberEntryJson)[] = ['id', 'operator', 'tadig', 'publicKey', 'peerId', 'votingPower'];

/** The keys' public halves, as a member entry lists them. */
export interface PublicKeys {
  readonly publicKey: string;
  readonly peerId: string;
}

export function memberEntryOf(details: MemberDetails, keys: PublicKeys, votingPower: number): MemberEntryJson {
  return { id: details.id, operator: details.operator, tadig: details.tadig, publicKey: keys.publicKey, peerId: keys.peerId, votingPower };
}

/** The option of `keys` that sets each entry field, to name it in a problem. */
const OPTION_OF_FIELD: Readonly<Record<string, string>> = {
  id: '--member',
  operator: '--operator',
  tadig: '--tadig',
  votingPower: '--voting-power',
};

/**
 * Checks an entry against the genesis rules before any key is written: the entry is parsed as
 * the only member of a genesis, so the rules stay in one place (libs/consensus). Problems are
 * renamed from `members[0].tadig` to the option that set the field (`--tadig`).
 */
export function checkMemberEntry(entry: MemberEntryJson): void {
  try {
    parseGenesis({ chainId: 'entry-check', genesisTime: new Date(0).toISOString(), members: [entry], consensus: DEFAULT_CONSENSUS_PARAMS });
  } catch (error) {
    if (!(error instanceof GenesisValidationError)) throw error;
    throw new InvalidMemberEntryError(
      error.problems.map((problem) => {
        const field = /^members\[0\]\.(\w+): /.exec(problem);
        const option = field === null ? undefined : OPTION_OF_FIELD[field[1]!];
        return option === undefined ? problem : `${option}: ${problem.slice(field![0].length)}`;
      }),
    );
  }
}

/**
 * Reads a member file's text into an entry object for genesis. Only the form is checked here
 * (JSON object, known fields, no private key); the values are checked with the whole genesis
 * by parseGenesis, so every problem of every file is reported at once.
 */
export function parseMemberFileText(text: string, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MemberFileError(file, `is not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MemberFileError(file, 'must hold one JSON object, a member\'s public entry');
  const entry = value as Record<string, unknown>;
  if ('privateKey' in entry) {
    // Someone sent a key file instead of the public entry: say so without repeating its content.
    throw new MemberFileError(
      file,
      'holds a private key: it is a key file, not a public member entry',
      'Delete this copy, tell its member the key has left their machine (they should make new keys with `consortium-setup keys --force`), and use the public entry `keys` prints.',
    );
  }
  const unknown = Object.keys(entry).filter((field) => !(ENTRY_FIELDS as readonly string[]).includes(field));
  if (unknown.length > 0) throw new MemberFileError(file, `unknown field${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} (a member entry has ${ENTRY_FIELDS.join(', ')})`);
  return entry;
}
