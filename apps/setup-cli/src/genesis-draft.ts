import { DEFAULT_CONSENSUS_PARAMS, GenesisValidationError, parseGenesis, type ConsensusParams, type Genesis } from '@consortium/consensus';
import { InvalidGenesisError, InvalidGenesisTimeError, ParamsFileError } from './errors.js';

/**
 * Assembling a genesis from member entries: pure, so the rules are tested without files. The
 * rules themselves are parseGenesis's (libs/consensus); this module only builds the document
 * and says where each problem came from (which member file, which option).
 */

/** One member entry and where it came from (a file path, or a member id for a devnet). */
export interface MemberSource {
  readonly entry: unknown;
  readonly source: string;
}

export interface GenesisDraft {
  readonly chainId: string;
  /** ISO 8601. */
  readonly genesisTime: string;
  readonly members: readonly MemberSource[];
  /** Parameters as the document will hold them; parseGenesis checks names and ranges. */
  readonly consensus: Readonly<Record<string, unknown>>;
  /** Where parameter overrides came from (the --params file), to name it in a problem. */
  readonly paramsSource?: string;
  /** Pinned artifact hashes (a ceremony's genesis-artifacts.json), name -> sha256. */
  readonly artifacts?: Readonly<Record<string, unknown>>;
  /** The kind of setup that made the pinned keys (the same file's "trustedSetup"). */
  readonly trustedSetup?: unknown;
  /** `devnet` for a local test network: the only kind that may run demo keys. */
  readonly network?: 'devnet';
  /** `kv-test` for a chain of the key-value test application, which has no proofs (no keys). */
  readonly application?: 'kv-test';
}

/** DEFAULT_CONSENSUS_PARAMS with a --params file's overrides on top. */
export function consensusParamsWith(overrides: unknown, file: string): Record<string, unknown> {
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw new ParamsFileError(file, 'must hold a JSON object of consensus parameters');
  }
  return { ...DEFAULT_CONSENSUS_PARAMS, ...(overrides as Record<string, unknown>) };
}

/**
 * The devnet's parameters: quick blocks for a local network (a commit pause of 100 ms, 1 s to
 * propose: the finality goal of issue #3 is p50 <= 300 ms), and an idle chain that shows it is
 * alive every 5 s instead of every 30: what someone watching a local consortium (or a test
 * waiting for the next height) expects; five empty blocks a minute cost the nodes next to nothing.
 */
export const DEVNET_CONSENSUS_PARAMS: ConsensusParams = { ...DEFAULT_CONSENSUS_PARAMS, timeoutCommitMs: 100, timeoutProposeMs: 1_000, emptyBlocksIntervalMs: 5_000 };

/** --genesis-time as ISO 8601, or now when it is not given. */
export function genesisTimeOf(value: string | undefined, now: Date): string {
  if (value === undefined) return now.toISOString();
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new InvalidGenesisTimeError(value);
  return new Date(ms).toISOString();
}

/** Builds and validates the genesis; throws InvalidGenesisError listing every problem with its source. */
export function buildGenesis(draft: GenesisDraft): Genesis {
  const document = {
    chainId: draft.chainId,
    genesisTime: draft.genesisTime,
    members: draft.members.map((member) => member.entry),
    consensus: draft.consensus,
    artifacts: draft.artifacts ?? {},
    ...(draft.trustedSetup === undefined ? {} : { trustedSetup: draft.trustedSetup }),
    ...(draft.network === undefined ? {} : { network: draft.network }),
    ...(draft.application === undefined ? {} : { application: draft.application }),
  };
  try {
    return parseGenesis(document);
  } catch (error) {
    if (!(error instanceof GenesisValidationError)) throw error;
    throw new InvalidGenesisError(locateProblems(error.problems, draft.members, draft.paramsSource));
  }
}

/** Fields genesis requires to be unique across members. */
const UNIQUE_FIELDS = ['id', 'tadig', 'peerId', 'publicKey'] as const;

/**
 * Rewrites parseGenesis's paths into the operator's terms: `members[2].tadig: ...` becomes
 * `Orange-FR.member.json: tadig: ...`, `chainId: ...` becomes `--chain-id: ...`, and a duplicate
 * names the files that share the value. The paths are parseGenesis's documented problem format
 * ("<path>: <what is wrong>"); a problem in another form is passed on unchanged.
 */
export function locateProblems(problems: readonly string[], members: readonly MemberSource[], paramsSource?: string): string[] {
  return problems.map((problem) => {
    const member = /^members\[(\d+)\](?:\.(\w+))?: /.exec(problem);
    if (member !== null) {
      const source = members[Number(member[1])]?.source ?? `members[${member[1]}]`;
      const field = member[2] === undefined ? '' : `${member[2]}: `;
      return `${source}: ${field}${problem.slice(member[0].length)}`;
    }
    const sharing = sourcesOfDuplicate(problem, members);
    if (sharing.length > 0) return `${problem} (in ${sharing.join(', ')})`;
    if (problem.startsWith('chainId: ')) return `--chain-id: ${problem.slice('chainId: '.length)}`;
    if (problem.startsWith('genesisTime: ')) return `--genesis-time: ${problem.slice('genesisTime: '.length)}`;
    if (problem.startsWith('consensus') && paramsSource !== undefined) return `${paramsSource}: ${problem}`;
    return problem;
  });
}

/** The sources whose entries share the value a "members: <field> <value> appears more than once" problem names. */
function sourcesOfDuplicate(problem: string, members: readonly MemberSource[]): string[] {
  for (const field of UNIQUE_FIELDS) {
    const values = new Set(members.map((member) => fieldOf(member.entry, field)).filter((value) => value !== undefined));
    for (const value of values) {
      if (problem === `members: ${field} ${value} appears more than once`) {
        return members.filter((member) => fieldOf(member.entry, field) === value).map((member) => member.source);
      }
    }
  }
  return [];
}

function fieldOf(entry: unknown, field: string): string | undefined {
  const value = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' ? value : undefined;
}
