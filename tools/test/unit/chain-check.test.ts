import { describe, expect, it } from 'vitest';
import { ChainMismatchError, compareChains, formatChainFaults, type BlockSummary, type ChainView, type Validator } from '../../src/devnet/chain-check.js';
import { DEVNET_MEMBERS } from '../support/running-members.js';

const MEMBERS = DEVNET_MEMBERS.map((member) => member.id);
const validatorsOf = (count: number): Validator[] => MEMBERS.slice(0, count).map((id) => ({ id, votingPower: 1 }));
const hashOf = (label: string) => label.padEnd(64, '0');

/** A linked chain of `length` blocks whose hashes start with `label` (a different label is a different chain). */
function chain(length: number, count: number, label = 'a'): BlockSummary[] {
  const blocks: BlockSummary[] = [];
  for (let height = 1; height <= length; height++) {
    blocks.push({
      height,
      hash: hashOf(`${label}${height}`),
      previousBlockHash: height === 1 ? '0'.repeat(64) : blocks[height - 2]!.hash,
      appHash: hashOf(`app${height}`),
      timeMs: 1_000 * height,
      proposer: MEMBERS[height % count]!,
      txs: height % 2 === 0 ? [hashOf(`tx${height}`)] : [],
      certificate: { round: 0, signers: MEMBERS.slice(0, count) },
    });
  }
  return blocks;
}

const views = (count: number, blocks: (member: string, index: number) => (BlockSummary | null)[]): ChainView[] =>
  MEMBERS.slice(0, count).map((memberId, index) => ({ memberId, blocks: blocks(memberId, index) }));

describe.each([4, 5, 7])('compareChains with %i nodes', (count) => {
  const validators = validatorsOf(count);
  const quorum = Math.floor((2 * count) / 3) + 1;

  it('finds nothing when every node holds the same chain, whatever quorum each certificate holds', () => {
    const faults = compareChains(
      views(count, (_member, index) =>
        // Each node keeps the precommits it collected: a different quorum, even another round, is no fault.
        chain(12, count).map((block) => ({ ...block, certificate: { round: index % 2, signers: MEMBERS.slice(index % 2, index % 2 + quorum) } })),
      ),
      validators,
    );
    expect(faults).toEqual([]);
  });

  it('names the height where one node forks, the nodes on each side and both hashes', () => {
    const honest = chain(10, count);
    const forked = [...honest.slice(0, 6), ...chain(10, count, 'b').slice(6)];
    const faults = compareChains(views(count, (member) => (member === 'Orange-FR' ? forked : honest)), validators);
    expect(faults[0]).toMatchObject({ kind: 'fork', height: 7 });
    const message = formatChainFaults(faults);
    const others = MEMBERS.slice(0, count).filter((member) => member !== 'Orange-FR');
    expect(message.split('\n').slice(0, 2)).toEqual([
      'height 7 differs between nodes:',
      `  hash: ${hashOf('a7')} on ${others.join(', ')}; ${hashOf('b7')} on Orange-FR`,
    ]);
    // Height 8 differs too (its parent hash as well); every fork height is reported, the first first.
    expect(faults.filter((fault) => fault.kind === 'fork').map((fault) => fault.height)).toEqual([7, 8, 9, 10]);
  });

  it('reports a field that differs under the same block hash (a node applied the block differently)', () => {
    const honest = chain(5, count);
    const divergent = honest.map((block) => (block.height === 3 ? { ...block, appHash: hashOf('other') } : block));
    const faults = compareChains(views(count, (member) => (member === 'T-Mobile-DE' ? divergent : honest)), validators);
    expect(faults).toEqual([
      { kind: 'fork', height: 3, fields: [{ field: 'appHash', groups: [{ value: hashOf('app3'), members: MEMBERS.slice(1, count) }, { value: hashOf('other'), members: ['T-Mobile-DE'] }] }] },
    ]);
  });
});

describe('compareChains, one node at a time', () => {
  const validators = validatorsOf(4);

  it('reports a block a node does not have', () => {
    const full = chain(4, 4);
    const holed = full.map((block) => (block.height === 2 ? null : block));
    const faults = compareChains(views(4, (member) => (member === 'Vodafone-UK' ? holed : full)), validators);
    expect(faults).toEqual([{ kind: 'missing', height: 2, members: ['Vodafone-UK'] }]);
    expect(formatChainFaults(faults)).toBe('height 2: no block on Vodafone-UK');
  });

  it('reports a chain that does not link, on every node that holds it', () => {
    const broken = chain(4, 4).map((block) => (block.height === 3 ? { ...block, previousBlockHash: hashOf('elsewhere') } : block));
    const faults = compareChains(views(4, () => broken), validators);
    expect(faults.map((fault) => fault.kind)).toEqual(['broken_link', 'broken_link', 'broken_link', 'broken_link']);
    expect(formatChainFaults(faults)).toContain(`height 3: T-Mobile-DE's block points to parent ${hashOf('elsewhere')}, but its block 2 is ${hashOf('a2')}`);
  });

  it('reports a block served under the wrong height', () => {
    const blocks = chain(3, 4);
    const shifted = [blocks[0]!, { ...blocks[1]!, height: 5 }, blocks[2]!];
    expect(compareChains(views(4, () => shifted), validators).filter((fault) => fault.kind === 'wrong_height')).toHaveLength(4);
  });

  it.each([
    [['T-Mobile-DE', 'Vodafone-UK'], '2 of 4 voting power signed (T-Mobile-DE, Vodafone-UK), 3 needed'],
    [['T-Mobile-DE', 'Vodafone-UK', 'Stranger-XX'], 'signed by non-members Stranger-XX'],
    [['T-Mobile-DE', 'Vodafone-UK', 'Vodafone-UK'], 'a member signs twice: T-Mobile-DE, Vodafone-UK, Vodafone-UK'],
  ])('reports a certificate signed by %j', (signers, problem) => {
    const blocks = chain(2, 4);
    const weak = [blocks[0]!, { ...blocks[1]!, certificate: { round: 0, signers } }];
    const faults = compareChains(views(4, (member) => (member === 'SFR-FR' ? weak : blocks)), validators);
    expect(faults).toEqual([]); // SFR-FR is not among the first four members: no view of it
    const withWeak = compareChains(views(4, (member) => (member === 'Orange-FR' ? weak : blocks)), validators);
    expect(withWeak).toEqual([{ kind: 'certificate', height: 2, member: 'Orange-FR', problem }]);
  });

  it('weighs signers by voting power', () => {
    const weighted: Validator[] = [{ id: 'T-Mobile-DE', votingPower: 5 }, { id: 'Vodafone-UK', votingPower: 1 }, { id: 'Orange-FR', votingPower: 1 }, { id: 'Telenor-NO', votingPower: 1 }];
    const blocks = chain(1, 4).map((block) => ({ ...block, certificate: { round: 0, signers: ['T-Mobile-DE', 'Vodafone-UK'] } }));
    expect(compareChains(views(4, () => blocks), weighted)).toEqual([]);
  });

  it('caps the report, saying how many faults it left out, and the error names height and nodes', () => {
    const faults = compareChains(views(4, (member) => chain(30, 4, member === 'Telenor-NO' ? 'b' : 'a')), validators);
    expect(faults).toHaveLength(30);
    const error = new ChainMismatchError(30, MEMBERS.slice(0, 4), faults);
    expect(error.name).toBe('ChainMismatchError');
    expect(error.message.split('\n')[0]).toBe('the chains of T-Mobile-DE, Vodafone-UK, Orange-FR, Telenor-NO differ up to height 30:');
    expect(error.message).toContain('height 1 differs between nodes:');
    expect(error.message).toContain('... and 20 more');
  });
});
