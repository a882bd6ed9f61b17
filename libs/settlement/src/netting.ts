import type { MemberId } from './domain/types.js';
import { TooManyMembersForNettingError } from './errors.js';
import { SETTLEMENT_LIMITS_TABLE } from './limits.js';
import type { MemberBalance, Payment } from './state/records.js';

/**
 * Multilateral netting into the fewest payments, identical on every node.
 *
 * Each settled statement moves its amount from the debtor's balance to the creditor's. With m
 * members of non-zero balance, any set of payments that settles them splits them into groups
 * that settle among themselves (the connected parts of the payment graph); a group of k needs
 * at least k - 1 payments, and k - 1 always suffice. So the fewest payments are m minus the
 * largest number of disjoint zero-sum groups. That number is found exactly by a DP over
 * subsets (dp[S] = the most zero-sum "closing points" over orders of S; 2^m x m steps, cheap for
 * m <= 16, refused above), each group is then settled greedily (largest debtor pays largest
 * creditor, which zeroes at least one of them per payment). Every choice breaks ties by member
 * id, so the result depends on the amounts alone, never on the order they came in.
 */

export interface SettledAmount {
  readonly creditor: MemberId;
  readonly debtor: MemberId;
  /** Minor units, >= 0. */
  readonly amount: bigint;
}

export interface NettingOutcome {
  readonly balances: readonly MemberBalance[];
  readonly payments: readonly Payment[];
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Net balances of `members` (every one listed, ordered by id) after the amounts. */
export function netBalances(members: readonly MemberId[], amounts: readonly SettledAmount[]): MemberBalance[] {
  const balance = new Map<MemberId, bigint>([...members].sort(byId).map((m) => [m, 0n]));
  for (const { creditor, debtor, amount } of amounts) {
    if (amount < 0n) throw new RangeError(`a settled amount is never negative (got ${amount})`);
    if (!balance.has(creditor) || !balance.has(debtor)) throw new RangeError(`an amount names a member outside the netting (${creditor} -> ${debtor})`);
    balance.set(creditor, balance.get(creditor)! + amount);
    balance.set(debtor, balance.get(debtor)! - amount);
  }
  return [...balance].map(([member, value]) => ({ member, balance: value }));
}

/** The largest partition of the members (by index) into zero-sum groups: exact, by DP over subsets. */
function zeroSumGroups(values: readonly bigint[]): number[][] {
  const m = values.length;
  const full = (1 << m) - 1;
  const sums = new Array<bigint>(1 << m);
  const best = new Int8Array(1 << m);
  sums[0] = 0n;
  for (let mask = 1; mask <= full; mask++) {
    const low = 31 - Math.clz32(mask & -mask);
    sums[mask] = sums[mask & (mask - 1)]! + values[low]!;
    let most = -1;
    for (let bits = mask; bits !== 0; bits &= bits - 1) {
      const i = 31 - Math.clz32(bits & -bits);
      most = Math.max(most, best[mask & ~(1 << i)]!);
    }
    best[mask] = most + (sums[mask] === 0n ? 1 : 0);
  }
  // Walk back from the full set, removing the lowest member that keeps the optimum; the sets on
  // the way whose sum is zero close one group each (a group = the difference of two such sets).
  const groups: number[][] = [];
  let current: number[] = [];
  let mask = full;
  while (mask !== 0) {
    const closes = sums[mask] === 0n;
    let chosen = -1;
    for (let bits = mask; bits !== 0; bits &= bits - 1) {
      const i = 31 - Math.clz32(bits & -bits);
      if (best[mask & ~(1 << i)]! + (closes ? 1 : 0) === best[mask]) {
        chosen = i;
        break;
      }
    }
    if (closes && current.length > 0) {
      groups.push(current);
      current = [];
    }
    current.push(chosen);
    mask &= ~(1 << chosen);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Settles one zero-sum group: the largest debtor pays the largest creditor until all are zero (at most size - 1 payments). */
function settleGroup(group: { member: MemberId; balance: bigint }[]): Payment[] {
  const payments: Payment[] = [];
  const left = group.map((entry) => ({ ...entry }));
  for (let guard = 0; guard < group.length; guard++) {
    const creditors = left.filter((e) => e.balance > 0n).sort((a, b) => (a.balance === b.balance ? byId(a.member, b.member) : a.balance > b.balance ? -1 : 1));
    const debtors = left.filter((e) => e.balance < 0n).sort((a, b) => (a.balance === b.balance ? byId(a.member, b.member) : a.balance < b.balance ? -1 : 1));
    if (creditors.length === 0 && debtors.length === 0) return payments;
    const to = creditors[0];
    const from = debtors[0];
    if (to === undefined || from === undefined) throw new Error('a netting group does not sum to zero');
    const amount = to.balance < -from.balance ? to.balance : -from.balance;
    payments.push({ from: from.member, to: to.member, amount });
    to.balance -= amount;
    from.balance += amount;
  }
  if (left.some((e) => e.balance !== 0n)) throw new Error('a netting group was not settled within its size');
  return payments;
}

/** Balances and the fewest payments that settle them. */
export function netMultilateral(members: readonly MemberId[], amounts: readonly SettledAmount[]): NettingOutcome {
  const balances = netBalances(members, amounts);
  const open = balances.filter((b) => b.balance !== 0n);
  if (open.length > SETTLEMENT_LIMITS_TABLE.nettingMembersMax) throw new TooManyMembersForNettingError(open.length, SETTLEMENT_LIMITS_TABLE.nettingMembersMax);
  const groups = zeroSumGroups(open.map((b) => b.balance));
  const payments = groups
    .flatMap((group) => settleGroup(group.map((i) => ({ member: open[i]!.member, balance: open[i]!.balance }))))
    .sort((a, b) => byId(a.from, b.from) || byId(a.to, b.to));
  return { balances, payments };
}
