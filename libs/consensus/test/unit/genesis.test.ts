import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONSENSUS_PARAMS,
  generateEd25519KeyPair,
  genesisHash,
  genesisToJson,
  GenesisValidationError,
  parseGenesis,
  toHex,
  ValidatorSet,
} from '../../src/index.js';

const PEER_IDS = [
  '12D3KooWCPN9YvceZJFNCqFCAYgeFF2qvcCk6KB3pDJ29UNtnSbE',
  '12D3KooWMX7YaMhkvDqS5sDgtLHXaZpB7Py1ZUZ3urw19raUzEDC',
  '12D3KooWCgRAcmtHXeTt8tsUDLawb4UEezNPKn56u4zi8hfFUorX',
  '12D3KooWDQNWiqftMFm8hkoSj6v8t2HkEKU4WD4xHBMqgoNakfQF',
  '12D3KooWBkkY3sd3HQadhebpLZP7Cym4NhSa565QBLkihXjirU6G',
  '12D3KooWJ9yYAiJ3vUWYzWsxGw7pBHLD4W5q4U2AGDxt7hzZXZ6E',
  '12D3KooWQoVfrgK1x7u6b6bFWYeSmVbaSe8T1tfpWG9BFqQfAcXd',
];

function genesisJson(members: number) {
  return {
    chainId: 'sp-consortium-test',
    genesisTime: '2026-11-26T00:00:00.000Z',
    members: Array.from({ length: members }, (_, i) => ({
      id: `Member-${i}`,
      operator: `Operator ${i}`,
      tadig: `ZZZ0${i}`,
      publicKey: toHex(generateEd25519KeyPair().publicKey),
      peerId: PEER_IDS[i],
      votingPower: 1,
    })),
    consensus: { ...DEFAULT_CONSENSUS_PARAMS },
    artifacts: { 'settlement.vkey': 'a'.repeat(64) },
  };
}

function problemsOf(raw: unknown): string[] {
  try {
    parseGenesis(raw);
  } catch (error) {
    if (error instanceof GenesisValidationError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('genesis', () => {
  it.each([
    [4, 3],
    [5, 4],
    [7, 5],
  ])('parses %i members, whose quorum is %i (floor(2n/3)+1), and round-trips', (members, quorum) => {
    const genesis = parseGenesis(genesisJson(members));
    expect(genesis.members).toHaveLength(members);
    expect(new ValidatorSet(genesis.members).quorumPower).toBe(quorum);
    expect(parseGenesis(genesisToJson(genesis))).toEqual(genesis);
    expect(genesisHash(parseGenesis(genesisToJson(genesis)))).toEqual(genesisHash(genesis));
  });

  it('reads emptyBlocksIntervalMs: the default when a genesis file leaves it out, 0 to an hour, nothing else', () => {
    const { emptyBlocksIntervalMs: _left, ...older } = DEFAULT_CONSENSUS_PARAMS;
    expect(parseGenesis({ ...genesisJson(4), consensus: older }).consensus.emptyBlocksIntervalMs).toBe(DEFAULT_CONSENSUS_PARAMS.emptyBlocksIntervalMs);
    for (const value of [0, 3_600_000]) expect(parseGenesis({ ...genesisJson(4), consensus: { ...older, emptyBlocksIntervalMs: value } }).consensus.emptyBlocksIntervalMs).toBe(value);
    for (const value of [-1, 3_600_001, 1.5, '30000', null]) {
      expect(problemsOf({ ...genesisJson(4), consensus: { ...older, emptyBlocksIntervalMs: value } })).toEqual([
        `consensus.emptyBlocksIntervalMs: must be an integer from 0 to 3600000 (got ${JSON.stringify(value)})`,
      ]);
    }
  });

  it('weighs the quorum by voting power', () => {
    const raw = genesisJson(4);
    raw.members[0]!.votingPower = 3; // total 6: quorum 5
    const validators = new ValidatorSet(parseGenesis(raw).members);
    expect([validators.totalPower, validators.quorumPower, validators.oneThirdPlusPower]).toEqual([6, 5, 3]);
  });

  it('names every problem with its path', () => {
    const raw = genesisJson(3) as Record<string, unknown> & ReturnType<typeof genesisJson>;
    raw.chainId = 'Has Spaces';
    raw.members[1]!.tadig = 'FR1';
    raw.members[2]!.publicKey = 'abcd';
    raw.members[2]!.peerId = raw.members[0]!.peerId;
    (raw.consensus as Record<string, unknown>).timeoutProposeMs = 1;
    (raw.consensus as Record<string, unknown>).gasLimit = 5;
    raw.artifacts = { 'settlement.vkey': 'not-a-hash' };
    expect(problemsOf(raw)).toEqual([
      'chainId: "Has Spaces" must be lowercase letters, digits and \'-\', at most 50',
      'members[1].tadig: "FR1" is not a TADIG code (ISO 3166 alpha-3 country + 2 characters, e.g. DEUD1)',
      'members[2].publicKey: must be the validator\'s ed25519 public key as 64 hex characters',
      'consensus.timeoutProposeMs: must be an integer from 10 to 600000 (got 1)',
      'consensus.gasLimit: unknown parameter',
      'artifacts.settlement.vkey: must be a lowercase sha256 hex digest',
    ]);
  });

  it('refuses duplicate ids, TADIGs and peer ids', () => {
    const raw = genesisJson(3);
    raw.members[1]!.id = raw.members[0]!.id;
    raw.members[2]!.tadig = raw.members[0]!.tadig;
    raw.members[2]!.peerId = raw.members[0]!.peerId;
    expect(problemsOf(raw)).toEqual([
      'members: id Member-0 appears more than once',
      'members: tadig ZZZ00 appears more than once',
      'members: peerId 12D3KooWCPN9YvceZJFNCqFCAYgeFF2qvcCk6KB3pDJ29UNtnSbE appears more than once',
    ]);
  });

  it('refuses no members and a document that is not an object', () => {
    expect(problemsOf({ ...genesisJson(1), members: [] })).toContain('members: must list 1 to 32 members');
    expect(problemsOf('genesis')).toEqual(['the document must be a JSON object']);
  });
});
