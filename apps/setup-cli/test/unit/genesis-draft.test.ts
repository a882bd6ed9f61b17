import { DEFAULT_CONSENSUS_PARAMS, genesisToJson, parseGenesis } from '@consortium/consensus';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidGenesisError, InvalidGenesisTimeError, ParamsFileError } from '../../src/errors.js';
import { buildGenesis, consensusParamsWith, DEVNET_CONSENSUS_PARAMS, genesisTimeOf, type GenesisDraft, type MemberSource } from '../../src/genesis-draft.js';
import { memberEntryOf, type MemberEntryJson } from '../../src/member-entry.js';
import { generateMemberKeys } from '../../src/member-keys.js';
import { firstMembers } from '../../src/members.js';

let entries: MemberEntryJson[];
beforeAll(async () => {
  entries = await Promise.all(firstMembers(5).map(async (member) => memberEntryOf(member, (await generateMemberKeys(member.id)).publicKeys, 1)));
});

const sources = (list: readonly unknown[]): MemberSource[] => list.map((entry, i) => ({ entry, source: `m${i}.member.json` }));
const draft = (overrides: Partial<GenesisDraft> = {}): GenesisDraft => ({
  chainId: 'sp-consortium',
  genesisTime: '2025-01-31T12:00:00.000Z',
  members: sources(entries),
  consensus: { ...DEFAULT_CONSENSUS_PARAMS },
  ...overrides,
});

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidGenesisError);
    return (error as InvalidGenesisError).problems;
  }
  throw new Error('expected InvalidGenesisError');
}

describe('buildGenesis', () => {
  it('makes a genesis that parseGenesis reads back unchanged, members in the order given', () => {
    const genesis = buildGenesis(draft());
    expect(genesis.members.map((member) => member.id)).toEqual(entries.map((entry) => entry.id));
    const json = genesisToJson(genesis);
    expect(json.members).toEqual(entries);
    expect(parseGenesis(JSON.parse(JSON.stringify(json)))).toEqual(genesis);
  });

  it('accepts the devnet parameters', () => {
    expect(buildGenesis(draft({ consensus: { ...DEVNET_CONSENSUS_PARAMS } })).consensus).toEqual(DEVNET_CONSENSUS_PARAMS);
  });

  it('names the member file of a bad entry and the field to fix', () => {
    const bad = [entries[0], { ...entries[1], tadig: 'GBR' }, entries[2]];
    expect(problemsOf(() => buildGenesis(draft({ members: sources(bad) })))).toEqual([
      'm1.member.json: tadig: "GBR" is not a TADIG code (ISO 3166 alpha-3 country + 2 characters, e.g. DEUD1)',
    ]);
  });

  it('names the files that share a value that must be unique', () => {
    const problems = problemsOf(() => buildGenesis(draft({ members: sources([entries[0], entries[1], entries[0]]) })));
    expect(problems).toContain(`members: id ${entries[0]!.id} appears more than once (in m0.member.json, m2.member.json)`);
    expect(problems).toContain(`members: peerId ${entries[0]!.peerId} appears more than once (in m0.member.json, m2.member.json)`);
  });

  it('lists every problem at once, in the terms of the options', () => {
    const problems = problemsOf(() =>
      buildGenesis(
        draft({
          chainId: 'Not_A_Chain',
          members: sources([{ ...entries[0], votingPower: 0 }]),
          consensus: { ...DEFAULT_CONSENSUS_PARAMS, timeoutCommitMs: -1, bogus: 1 },
          paramsSource: 'params.json',
        }),
      ),
    );
    expect(problems).toEqual([
      '--chain-id: "Not_A_Chain" must be lowercase letters, digits and \'-\', at most 50',
      'm0.member.json: votingPower: must be an integer from 1 to 1000000',
      'params.json: consensus.timeoutCommitMs: must be an integer from 0 to 600000 (got -1)',
      'params.json: consensus.bogus: unknown parameter',
    ]);
  });

  it('refuses no members', () => {
    expect(problemsOf(() => buildGenesis(draft({ members: [] })))).toEqual(['members: must list 1 to 32 members']);
  });
});

describe('consensusParamsWith', () => {
  it('puts the overrides over the defaults', () => {
    expect(consensusParamsWith({ timeoutCommitMs: 500 }, 'p.json')).toEqual({ ...DEFAULT_CONSENSUS_PARAMS, timeoutCommitMs: 500 });
  });

  it.each([[null], [[1, 2]], ['text'], [3]])('refuses %j', (value) => {
    expect(() => consensusParamsWith(value, 'p.json')).toThrow(ParamsFileError);
  });
});

describe('genesisTimeOf', () => {
  const now = new Date('2025-03-01T00:00:00.000Z');
  it('is now by default and normalises a given time to ISO 8601 UTC', () => {
    expect(genesisTimeOf(undefined, now)).toBe('2025-03-01T00:00:00.000Z');
    expect(genesisTimeOf('2025-01-31T13:00:00+01:00', now)).toBe('2025-01-31T12:00:00.000Z');
  });

  it('refuses what is not a time', () => {
    expect(() => genesisTimeOf('yesterday', now)).toThrow(InvalidGenesisTimeError);
  });
});
