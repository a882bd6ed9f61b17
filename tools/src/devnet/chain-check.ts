/**
 * Whole-chain comparison across nodes (pure; the fetching is in consortium.ts). Every e2e
 * consortium test ends with it: after the nodes reach a common height h, every height 1..h must
 * be the same block on every node, each node's chain must link, and each certificate must hold
 * a quorum of distinct members. A fault names the height, the nodes and the values that differ.
 */

/** A block as the node API serves it (`GET /v1/blocks/:height`, apps/node/src/http/server.ts). */
export interface BlockSummary {
  readonly height: number;
  /** The certificate's block hash (hex). */
  readonly hash: string;
  readonly previousBlockHash: string;
  readonly appHash: string;
  readonly timeMs: number;
  readonly proposer: string;
  /** Transaction hashes (hex), in block order. */
  readonly txs: readonly string[];
  readonly certificate: { readonly round: number; readonly signers: readonly string[] };
}

/** One node's chain from height 1: `blocks[i]` is height i + 1, null where the node has none. */
export interface ChainView {
  readonly memberId: string;
  readonly blocks: readonly (BlockSummary | null)[];
}

export interface Validator {
  readonly id: string;
  readonly votingPower: number;
}

/**
 * The fields every node must agree on at a height. The certificate is not among them: each node
 * keeps the precommits it collected (or the ones block sync brought), so two honest nodes may
 * hold different quorums, even of different rounds, for the same block.
 */
export const AGREED_FIELDS = ['hash', 'previousBlockHash', 'appHash', 'proposer', 'timeMs', 'txs'] as const;
export type AgreedField = (typeof AGREED_FIELDS)[number];

export interface ValueGroup {
  readonly value: string;
  readonly members: readonly string[];
}

export type ChainFault =
  | { readonly kind: 'fork'; readonly height: number; readonly fields: readonly { readonly field: AgreedField; readonly groups: readonly ValueGroup[] }[] }
  | { readonly kind: 'missing'; readonly height: number; readonly members: readonly string[] }
  | { readonly kind: 'wrong_height'; readonly height: number; readonly member: string; readonly served: number }
  | { readonly kind: 'broken_link'; readonly height: number; readonly member: string; readonly previousBlockHash: string; readonly parentHash: string }
  | { readonly kind: 'certificate'; readonly height: number; readonly member: string; readonly problem: string };

function fieldValue(block: BlockSummary, field: AgreedField): string {
  const value = block[field];
  return Array.isArray(value) ? `[${value.length} txs: ${value.join(',')}]` : String(value);
}

/** Members grouped by the value they hold, largest group first. */
function groupBy(entries: readonly { readonly member: string; readonly value: string }[]): ValueGroup[] {
  const groups = new Map<string, string[]>();
  for (const { member, value } of entries) groups.set(value, [...(groups.get(value) ?? []), member]);
  return [...groups.entries()].map(([value, members]) => ({ value, members })).sort((a, b) => b.members.length - a.members.length);
}

function certificateProblem(block: BlockSummary, validators: readonly Validator[]): string | null {
  const power = new Map(validators.map((validator) => [validator.id, validator.votingPower]));
  const totalPower = validators.reduce((sum, validator) => sum + validator.votingPower, 0);
  const quorumPower = Math.floor((2 * totalPower) / 3) + 1;
  const { signers } = block.certificate;
  const unknown = signers.filter((signer) => !power.has(signer));
  if (unknown.length > 0) return `signed by non-members ${unknown.join(', ')}`;
  if (new Set(signers).size !== signers.length) return `a member signs twice: ${signers.join(', ')}`;
  const signed = signers.reduce((sum, signer) => sum + power.get(signer)!, 0);
  if (signed < quorumPower) return `${signed} of ${totalPower} voting power signed (${signers.join(', ') || 'nobody'}), ${quorumPower} needed`;
  return null;
}

/** Every fault of the given chains, by height (heights 1..longest chain). */
export function compareChains(views: readonly ChainView[], validators: readonly Validator[]): ChainFault[] {
  const faults: ChainFault[] = [];
  const top = Math.max(0, ...views.map((view) => view.blocks.length));
  for (let height = 1; height <= top; height++) {
    const held: { member: string; block: BlockSummary }[] = [];
    const missing: string[] = [];
    for (const view of views) {
      const block = view.blocks[height - 1] ?? null;
      if (block === null) missing.push(view.memberId);
      else held.push({ member: view.memberId, block });
    }
    if (missing.length > 0) faults.push({ kind: 'missing', height, members: missing });

    const fields = AGREED_FIELDS.map((field) => ({ field, groups: groupBy(held.map(({ member, block }) => ({ member, value: fieldValue(block, field) }))) })).filter(
      ({ groups }) => groups.length > 1,
    );
    if (fields.length > 0) faults.push({ kind: 'fork', height, fields });

    for (const { member, block } of held) {
      if (block.height !== height) faults.push({ kind: 'wrong_height', height, member, served: block.height });
      const parent = height > 1 ? views.find((view) => view.memberId === member)!.blocks[height - 2] : null;
      if (parent && parent.hash !== block.previousBlockHash) {
        faults.push({ kind: 'broken_link', height, member, previousBlockHash: block.previousBlockHash, parentHash: parent.hash });
      }
      const problem = certificateProblem(block, validators);
      if (problem !== null) faults.push({ kind: 'certificate', height, member, problem });
    }
  }
  return faults;
}

function formatFault(fault: ChainFault): string {
  switch (fault.kind) {
    case 'fork': {
      const fields = fault.fields.map(({ field, groups }) => `  ${field}: ${groups.map((group) => `${group.value} on ${group.members.join(', ')}`).join('; ')}`);
      return [`height ${fault.height} differs between nodes:`, ...fields].join('\n');
    }
    case 'missing':
      return `height ${fault.height}: no block on ${fault.members.join(', ')}`;
    case 'wrong_height':
      return `height ${fault.height}: ${fault.member} served a block of height ${fault.served}`;
    case 'broken_link':
      return `height ${fault.height}: ${fault.member}'s block points to parent ${fault.previousBlockHash}, but its block ${fault.height - 1} is ${fault.parentHash}`;
    case 'certificate':
      return `height ${fault.height}: ${fault.member}'s certificate is ${fault.problem}`;
  }
}

/** A report of the faults, lowest height first (where a fork starts), at most `limit` of them. */
export function formatChainFaults(faults: readonly ChainFault[], limit = 10): string {
  const lines = faults.slice(0, limit).map(formatFault);
  if (faults.length > limit) lines.push(`... and ${faults.length - limit} more`);
  return lines.join('\n');
}

export class ChainMismatchError extends Error {
  override readonly name = 'ChainMismatchError';

  constructor(
    readonly height: number,
    readonly members: readonly string[],
    readonly faults: readonly ChainFault[],
  ) {
    super(`the chains of ${members.join(', ')} differ up to height ${height}:\n${formatChainFaults(faults)}`);
  }
}
