import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { netBalances, netMultilateral, SETTLEMENT_LIMITS_TABLE, TooManyMembersForNettingError, type SettledAmount } from '../../src/index.js';

const MEMBERS = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];

/** Random settled amounts among the first `n` members. */
const amountsAmong = (n: number, maxLength = 12) =>
  fc.array(
    fc
      .record({ creditor: fc.integer({ min: 0, max: n - 1 }), debtor: fc.integer({ min: 0, max: n - 1 }), amount: fc.bigInt({ min: 0n, max: 1_000_000n }) })
      .filter((a) => a.creditor !== a.debtor)
      .map((a): SettledAmount => ({ creditor: MEMBERS[a.creditor]!, debtor: MEMBERS[a.debtor]!, amount: a.amount })),
    { maxLength },
  );

/**
 * An independent brute force: the fewest transfers that settle the balances, by trying every
 * way to settle the first open balance against a later one of opposite sign (exponential; fine
 * for up to 7 members).
 */
function bruteForceMinimumPayments(balances: readonly bigint[]): number {
  const values = [...balances];
  const search = (start: number): number => {
    while (start < values.length && values[start] === 0n) start++;
    if (start === values.length) return 0;
    let best = Number.POSITIVE_INFINITY;
    for (let j = start + 1; j < values.length; j++) {
      if (values[j]! === 0n || values[j]! > 0n === values[start]! > 0n) continue;
      values[j] = values[j]! + values[start]!;
      best = Math.min(best, 1 + search(start + 1));
      values[j] = values[j]! - values[start]!;
    }
    return best;
  };
  return search(0);
}

/** Applies payments to balances: each payment moves money from a payer (negative) to a receiver (positive). */
function afterPayments(balances: ReadonlyMap<string, bigint>, payments: readonly { from: string; to: string; amount: bigint }[]): Map<string, bigint> {
  const left = new Map(balances);
  for (const p of payments) {
    left.set(p.from, left.get(p.from)! + p.amount);
    left.set(p.to, left.get(p.to)! - p.amount);
  }
  return left;
}

describe('multilateral netting', () => {
  it('nets a triangle into no payment and a chain into one', () => {
    const triangle = [
      { creditor: 'A', debtor: 'B', amount: 100n },
      { creditor: 'B', debtor: 'C', amount: 100n },
      { creditor: 'C', debtor: 'A', amount: 100n },
    ];
    expect(netMultilateral(['A', 'B', 'C'], triangle).payments).toEqual([]);
    const chain = [
      { creditor: 'A', debtor: 'B', amount: 100n },
      { creditor: 'B', debtor: 'C', amount: 100n },
    ];
    expect(netMultilateral(['A', 'B', 'C'], chain).payments).toEqual([{ from: 'C', to: 'A', amount: 100n }]);
  });

  it('finds two disjoint zero-sum groups where greedy settling over everyone would pay more', () => {
    // balances A +5, B -5, C +3, D -3 (two pairs), plus E +7, F -4, G -3: greedy over all pays 5 times, the optimum 4
    const balances = { A: 5n, B: -5n, C: 3n, D: -3n, E: 7n, F: -4n, G: -3n };
    const amounts: SettledAmount[] = [];
    for (const [member, value] of Object.entries(balances)) if (value !== 0n) amounts.push(value > 0n ? { creditor: member, debtor: 'H', amount: value } : { creditor: 'H', debtor: member, amount: -value });
    const { payments } = netMultilateral([...MEMBERS, 'H'], amounts);
    expect(payments).toHaveLength(bruteForceMinimumPayments(Object.values(balances)));
    expect(payments).toHaveLength(4);
  });

  it('refuses more members with a non-zero balance than exact netting handles', () => {
    const n = SETTLEMENT_LIMITS_TABLE.nettingMembersMax + 1;
    const members = Array.from({ length: n + 1 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    const amounts = members.slice(1).map((m, i) => ({ creditor: m, debtor: members[0]!, amount: BigInt(i + 1) }));
    expect(() => netMultilateral(members, amounts)).toThrow(TooManyMembersForNettingError);
  });

  it('nets the largest legal case (16 open balances) exactly', () => {
    const members = Array.from({ length: 17 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    // fifteen creditors of one debtor: 16 open balances in one group, so exactly 15 payments
    const amounts = members.slice(0, 15).map((m, i) => ({ creditor: m, debtor: members[15]!, amount: BigInt(1 + (i % 4)) }));
    const { payments, balances } = netMultilateral(members, amounts);
    const open = balances.filter((b) => b.balance !== 0n).length;
    expect(open).toBe(SETTLEMENT_LIMITS_TABLE.nettingMembersMax);
    expect(payments).toHaveLength(15);
  });

  it('property: payments settle every balance exactly, are positive, and number at most n - 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 7 }).chain((n) => fc.tuple(fc.constant(n), amountsAmong(n))), ([n, amounts]) => {
        const members = MEMBERS.slice(0, n);
        const { balances, payments } = netMultilateral(members, amounts);
        const settled = afterPayments(new Map(balances.map((b) => [b.member, b.balance])), payments);
        expect([...settled.values()].every((v) => v === 0n)).toBe(true);
        expect(payments.every((p) => p.amount > 0n && p.from !== p.to)).toBe(true);
        expect(payments.length).toBeLessThanOrEqual(Math.max(0, n - 1));
      }),
      { numRuns: 300 },
    );
  });

  it('property: the number of payments equals a brute-force minimum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 7 }).chain((n) => fc.tuple(fc.constant(n), amountsAmong(n, 10))), ([n, amounts]) => {
        const members = MEMBERS.slice(0, n);
        const balances = netBalances(members, amounts).map((b) => b.balance);
        expect(netMultilateral(members, amounts).payments).toHaveLength(bruteForceMinimumPayments(balances));
      }),
      { numRuns: 300 },
    );
  });

  it('property: the result does not depend on the order of the statements or of the members', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 7 }).chain((n) => fc.tuple(fc.constant(n), amountsAmong(n))),
        fc.infiniteStream(fc.nat()),
        ([n, amounts], order) => {
          const members = MEMBERS.slice(0, n);
          const shuffle = <T>(items: readonly T[]) => items.map((item) => ({ item, key: order.next().value })).sort((x, y) => x.key - y.key).map((x) => x.item);
          expect(netMultilateral(shuffle(members), shuffle(amounts))).toEqual(netMultilateral(members, amounts));
        },
      ),
      { numRuns: 200 },
    );
  });
});
