import type { Telemetry } from '@consortium/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { memberCards, overallStatus } from '../../src/server/derive/cards.js';
import { chartPoints } from '../../src/server/derive/charts.js';
import { ConsensusTracker } from '../../src/server/derive/consensus.js';
import { SecurityList, securityItemOf, securityNoticeItemOf } from '../../src/server/derive/security.js';
import { topology } from '../../src/server/derive/topology.js';
import { contextOf, memberIds, newStore, nodeTelemetry, recordRound, targetsOf } from './server-fixtures.js';

/**
 * The derivations over pages the real telemetry catalogue renders: a consortium of n members,
 * two collection rounds 5 s apart with counters that moved in between.
 */

let nodes: Telemetry[] = [];
afterEach(async () => {
  await Promise.all(nodes.map(async (node) => node.shutdown()));
  nodes = [];
});

async function consortium(count: number, down: readonly string[] = []) {
  const ids = memberIds(count);
  const targets = targetsOf(ids);
  const telemetry = new Map(ids.map((id) => [id, nodeTelemetry(id, `0.${count}.0`)] as const));
  nodes.push(...telemetry.values());
  const t0 = 1_800_000_000_000;
  for (const [index, id] of ids.entries()) {
    const m = telemetry.get(id)!.metrics;
    m.consensus.height.set(100);
    m.consensus.lastBlockTimeSeconds.set(t0 / 1000 - 1);
    m.p2p.connectedPeers.set(count - 1);
    m.process.residentMemoryBytes.set(100_000_000 + index);
    m.process.cpuSecondsTotal.inc({ mode: 'user' }, 10);
    m.consensus.committedTxsTotal.inc(1_000);
    m.zkp.proofsTotal.inc({ circuit: 'settlement-61', outcome: 'proved' }, 3);
    m.consensus.missedBlocksTotal.inc({ member: 'M1' }, 0);
    m.zkp.proveDurationSeconds.observe({ circuit: 'settlement-61' }, 0.05);
    for (const peer of ids) if (peer !== id) {
      m.consensus.missedBlocksTotal.inc({ member: peer }, 0);
      m.p2p.sentBytesTotal.inc({ member: peer, protocol: 'tx' }, 0);
      m.p2p.peerConnected.set({ member: peer }, 1);
      m.p2p.peerRttSeconds.set({ member: peer }, 0.002 * (index + 1));
      m.p2p.sentBytesTotal.inc({ member: peer, protocol: 'consensus' }, 1_000);
    }
  }
  const store = newStore();
  const up = (id: string) => (down.includes(id) ? null : telemetry.get(id)!);
  await recordRound(store, targets, new Map(ids.map((id) => [id, telemetry.get(id)!])), t0);
  // Five seconds later: two blocks, 50 transactions, 1 s of CPU, 5,000 bytes to each peer, M1 missed a block.
  for (const [index, id] of ids.entries()) {
    const m = telemetry.get(id)!.metrics;
    m.consensus.height.set(102);
    m.consensus.lastBlockTimeSeconds.set(t0 / 1000 + 4);
    m.consensus.blockIntervalSeconds.observe(2);
    m.consensus.blockIntervalSeconds.observe(3);
    m.consensus.blockRounds.observe(1);
    m.consensus.blockRounds.observe(2);
    m.consensus.committedTxsTotal.inc(50);
    m.consensus.missedBlocksTotal.inc({ member: 'M1' }, 1);
    m.process.cpuSecondsTotal.inc({ mode: 'system' }, 1);
    m.zkp.proveDurationSeconds.observe({ circuit: 'settlement-61' }, 1.5);
    m.security.authAttemptsTotal.inc({ outcome: 'bad_credentials' }, index === 0 ? 10 : 0);
    m.security.eventsTotal.inc({ kind: 'auth_failed' }, index === 0 ? 10 : 0);
    m.security.refusedPeersTotal.inc({ reason: 'not_member' }, index === 1 ? 2 : 0);
    for (const peer of ids) if (peer !== id) m.p2p.sentBytesTotal.inc({ member: peer, protocol: 'tx' }, 5_000);
  }
  const round = await recordRound(store, targets, new Map(ids.map((id) => [id, up(id)])), t0 + 5_000);
  return { ids, targets, store, telemetry, context: contextOf(store, targets, round), t0 };
}

describe.each([4, 5, 7])('derivations with %i members', (count) => {
  it('makes a card per member in genesis order with height, peers, block age, CPU, memory and version', async () => {
    const { ids, context } = await consortium(count);
    const cards = memberCards(context, new Map());
    expect(cards.map((c) => c.member)).toEqual(ids);
    for (const card of cards) {
      expect(card).toMatchObject({ status: 'up', reason: null, height: 102, peers: count - 1, version: `0.${count}.0` });
      expect(card.lastBlockAgeSeconds).toBeCloseTo(1);
      expect(card.cpuRatio).toBeCloseTo(0.2);
      expect(card.residentMemoryBytes).toBeGreaterThanOrEqual(100_000_000);
    }
    expect(overallStatus(cards)).toBe('healthy');
  });

  it('shows a member down with no values, its links disconnected, and the overall status by quorum', async () => {
    const { ids, context, store, targets, telemetry, t0 } = await consortium(count, ['M2']);
    const cards = memberCards(context, new Map([['M3', 1]]));
    // A member connected to too few peers for a quorum (itself included: more than two thirds) is degraded.
    telemetry.get('M1')!.metrics.p2p.connectedPeers.set(Math.floor((2 * count) / 3) - 1);
    const isolated = memberCards(contextOf(store, targets, await recordRound(store, targets, new Map(ids.map((id) => [id, id === 'M2' ? null : telemetry.get(id)!])), t0 + 6_000)), new Map());
    expect(isolated[0]).toMatchObject({ status: 'degraded', reason: `connected to ${Math.floor((2 * count) / 3) - 1} of ${count - 1} peers: no quorum` });
    expect(isolated[2]!.status).toBe('up');
    expect(cards[1]).toMatchObject({ member: 'M2', status: 'down', height: null, reason: 'scrape failed: ECONNREFUSED' });
    expect(cards[2]).toMatchObject({ status: 'degraded', reason: '1 alert firing' });
    expect(overallStatus(cards)).toBe('degraded');
    const links = topology(context).links;
    expect(links.filter((l) => l.from === 'M2').every((l) => !l.connected && l.rttSeconds === null)).toBe(true);
    expect(links).toHaveLength(count * (count - 1));
    const down = ids.slice(0, count - Math.floor((2 * count) / 3));
    expect(overallStatus(cards.map((c) => (down.includes(c.member) ? { ...c, status: 'down' as const } : c)))).toBe('down');
  });

  it('measures each directed link and counts refused non-members', async () => {
    const { context } = await consortium(count);
    const { links, refusedNonMembers } = topology(context);
    const link = links.find((l) => l.from === 'M1' && l.to === 'M2')!;
    expect(link.connected).toBe(true);
    expect(link.rttSeconds).toBeCloseTo(0.002);
    expect(link.sentBytesPerSecond).toBeCloseTo(1_000);
    expect(refusedNonMembers).toEqual([{ member: 'M2', refused: 2 }]);
  });

  it('computes every chart point: rates, histogram means and percentiles, missed votes per validator', async () => {
    const { ids, context } = await consortium(count);
    const points = chartPoints(context);
    expect(points.height).toEqual({ series: ids, values: ids.map(() => 102) });
    expect(points.txThroughput.values.every((v) => Math.abs(v! - 10) < 1e-9)).toBe(true);
    expect(points.blockInterval.values.every((v) => v === 2.5)).toBe(true);
    expect(points.roundsPerHeight.values.every((v) => v === 1.5)).toBe(true);
    expect(points.missedVotes.series).toEqual(ids);
    expect(points.missedVotes.values[0]).toBeCloseTo(0.2);
    expect(points.missedVotes.values[1]).toBe(0);
    expect(points.proveLatency.series).toEqual(['p50', 'p95']);
    expect(points.proveLatency.values[0]).toBeGreaterThan(1);
    expect(points.proveLatency.values[0]).toBeLessThanOrEqual(2.5);
    expect(points.authFailures.values[0]).toBeCloseTo(2);
    expect(points.authFailures.values[1]).toBe(0);
    expect(points.proofsRate.series).toContain('proved');
    expect(points.memory.values.every((v) => v! >= 100_000_000)).toBe(true);
    expect(points.cpu.values.every((v) => Math.abs(v! - 0.2) < 1e-9)).toBe(true);
  });
});

describe('consensus and security lists', () => {
  it('adds up missed votes across rounds from the largest per-round increase, and lists equivocations', async () => {
    const { context, targets } = await consortium(4);
    const tracker = new ConsensusTracker();
    tracker.update(context); // the first sample of each series sets its base
    expect(tracker.view(targets.members.map((m) => m.id)).missedVotes[0]).toEqual({ validator: 'M1', missed: 0 });
    const item = securityItemOf('M2', { kind: 'equivocation', timeMs: 5, node: 'M2', who: { member: 'M3' }, where: { protocol: 'consensus' }, what: 'M3 signed two different prevote messages for one height' });
    const equivocation = tracker.addEquivocation(item!);
    expect(equivocation).toMatchObject({ reportedBy: 'M2', offender: 'M3', message: 'prevote' });
  });

  it("lists a node's security notices (kind and count of the refusals an observer may not see) without who or where", () => {
    const list = new SecurityList();
    const item = securityNoticeItemOf('M1', { kind: 'auth_failed', count: 3, firstTimeMs: 10, lastTimeMs: 20, node: 'M1' });
    expect(item).toEqual({ timeMs: 20, node: 'M1', kind: 'auth_failed', who: '', where: '', what: "3 auth failed events (who and where: the node's security log)" });
    list.add(item!);
    list.add(securityNoticeItemOf('M2', { kind: 'rate_limited', count: 1, firstTimeMs: 30, lastTimeMs: 30, node: 'M2' })!);
    expect(list.list().map((entry) => `${entry.node} ${entry.what}`)).toEqual(["M2 1 rate limited event (who and where: the node's security log)", "M1 3 auth failed events (who and where: the node's security log)"]);
    expect(securityNoticeItemOf('M1', { kind: 'auth_failed' })).toBeNull();
    expect(securityItemOf('M1', { nothing: true })).toBeNull();
  });
});
