/**
 * Snapshots and stream messages in the protocol's shape, for the client's unit tests and its
 * component-level browser test (which has no dashboard server: it serves the bundle and these
 * messages itself). Values are plausible for a devnet of `memberCount` members; nothing here
 * pretends to be collected from a node.
 */
import { createHash } from 'node:crypto';
import {
  CHART_RANGES,
  CHART_SPECS,
  PROTOCOL_VERSION,
  type AlertItem,
  type CeremonyStepItem,
  type CeremonyTranscriptReport,
  type ChartData,
  type ChartKey,
  type ChartRange,
  type DashboardSnapshot,
  type MemberCard,
  type SecurityEventItem,
  type StreamMessage,
  type Topology,
} from '../../src/protocol.js';

const OPERATORS = [
  ['T-Mobile-DE', 'DEUD1'],
  ['Vodafone-UK', 'GBRVF'],
  ['Orange-FR', 'FRAF1'],
  ['Telenor-NO', 'NORTM'],
  ['SFR-FR', 'FRAF2'],
  ['Swisscom-CH', 'CHEC1'],
  ['KPN-NL', 'NLDPT'],
] as const;

export function memberIds(memberCount: number): string[] {
  if (memberCount < 1 || memberCount > OPERATORS.length) throw new RangeError(`memberCount 1..${OPERATORS.length}`);
  return OPERATORS.slice(0, memberCount).map(([id]) => id);
}

function seriesOf(key: ChartKey, members: readonly string[]): string[] {
  switch (CHART_SPECS[key].seriesBy) {
    case 'member':
    case 'validator':
      return [...members];
    case 'member_percentile':
      return members.flatMap((member) => [`${member} p50`, `${member} p95`]);
    case 'percentile':
      return ['p50', 'p95'];
    case 'outcome':
      return ['ok', 'failed'];
  }
}

/** A value for series `index` of chart `key` at second `t` (deterministic). */
function sampleValue(key: ChartKey, index: number, t: number): number {
  const wave = Math.sin(t / 30 + index);
  switch (CHART_SPECS[key].unit) {
    case 'count':
      return key === 'height' ? Math.floor(t / 5) % 100_000 : 1 + index;
    case 'seconds':
      return 0.2 + 0.05 * index + 0.02 * wave;
    case 'bytes':
      return 150_000_000 + index * 10_000_000 + 1_000_000 * wave;
    case 'ratio':
      return 0.2 + 0.05 * index + 0.05 * wave;
    case 'per_second':
      return 2 + index + wave;
    case 'bytes_per_second':
      return 40_000 + 1_000 * index + 500 * wave;
  }
}

export function makeChart(key: ChartKey, members: readonly string[], endSeconds: number, range: ChartRange = '10m', points = 60): ChartData {
  const series = seriesOf(key, members);
  const stepSeconds = CHART_RANGES[range].stepMs / 1_000;
  const times = Array.from({ length: points }, (_, i) => endSeconds - (points - 1 - i) * stepSeconds);
  return { series, times, values: series.map((_, index) => times.map((t) => sampleValue(key, index, t))) };
}

export function makeCards(members: readonly string[], nowMs: number, down: readonly string[] = []): MemberCard[] {
  return members.map((member, index) =>
    down.includes(member)
      ? { member, status: 'down', reason: 'scrape failed: connect ECONNREFUSED', height: null, peers: null, lastBlockAgeSeconds: null, cpuRatio: null, residentMemoryBytes: null, version: null, lastSeenMs: nowMs - 20_000 }
      : { member, status: 'up', reason: null, height: Math.floor(nowMs / 5_000) % 100_000, peers: members.length - 1 - down.length, lastBlockAgeSeconds: 1.5, cpuRatio: 0.2 + index * 0.05, residentMemoryBytes: 180_000_000 + index * 1_000_000, version: '0.1.0', lastSeenMs: nowMs },
  );
}

export function makeTopology(members: readonly string[], down: readonly string[] = []): Topology {
  const links = members.flatMap((from) =>
    members
      .filter((to) => to !== from)
      .map((to) => {
        const connected = !down.includes(from) && !down.includes(to);
        return { from, to, connected, rttSeconds: connected ? 0.002 + 0.001 * (from.length % 5) : null, sentBytesPerSecond: connected ? 2_000 + 500 * (to.length % 4) : null };
      }),
  );
  return { links, refusedNonMembers: [{ member: members[0]!, refused: 3 }] };
}

export function makeAlert(rule: string, state: AlertItem['state'], nowMs: number, labels: Record<string, string> = {}): AlertItem {
  const labelText = Object.entries(labels)
    .map(([name, value]) => `${name}=${value}`)
    .join(',');
  return {
    id: `${rule}{${labelText}}`,
    rule,
    severity: rule === 'NodeDown' ? 'critical' : 'warning',
    state,
    labels,
    summary: `${rule} ${labelText}`,
    runbookUrl: `docs/operations.md#${rule.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`,
    activeSinceMs: nowMs - 60_000,
    resolvedAtMs: state === 'resolved' ? nowMs : null,
    origin: 'dashboard',
  };
}

export function makeSecurityEvent(node: string, kind: string, timeMs: number, who = '127.0.0.1'): SecurityEventItem {
  return { timeMs, node, kind, who, where: kind === 'refused_peer' ? 'p2p' : 'POST /v1/txs', what: `${kind.replace('_', ' ')} from ${who}` };
}

export const FIXTURE_CIRCUITS = ['settlement-16', 'settlement-64'] as const;
export const FIXTURE_TRANSCRIPT_SHA256 = 'ab'.repeat(32);
export const FIXTURE_SKIP_REASON = 'no contribution within the time limit';
const fileHash = (name: string) => createHash('sha256').update(name).digest('hex');

/**
 * The report of a verified transcript, in the shape readCeremony gives it: phase 1 and phase 2 of
 * each fixture circuit, every member contributing in order (the last one skipped in the last lane),
 * the coordinator opening and closing each lane, a minute a step; every member attested.
 */
export function makeTranscriptReport(members: readonly string[], finishedMs: number): Extract<CeremonyTranscriptReport, { status: 'verified' }> {
  const coordinator = members[0]!;
  const laneNames = ['phase 1 (powers of tau)', ...FIXTURE_CIRCUITS.map((circuit) => `phase 2 of ${circuit}`)];
  const stepsPerLane = members.length + 2;
  const startMs = finishedMs - laneNames.length * stepsPerLane * 60_000;
  let seq = 0;
  const lanes = laneNames.map((name, laneIndex) => {
    const steps: CeremonyStepItem[] = [];
    let input: string | null = null;
    const add = (kind: CeremonyStepItem['kind'], member: string, note: string | null) => {
      const output = kind === 'skip' ? null : fileHash(`${name} ${seq}`);
      steps.push({ seq, kind, member, timeMs: startMs + seq * 60_000, inputSha256: kind === 'open' || kind === 'skip' ? null : input, outputSha256: output, note });
      if (output !== null) input = output;
      seq += 1;
    };
    add('open', coordinator, null);
    members.forEach((member, index) => (laneIndex === laneNames.length - 1 && index === members.length - 1 ? add('skip', member, FIXTURE_SKIP_REASON) : add('contribution', member, null)));
    add('beacon', coordinator, 'be'.repeat(32));
    return { name, closed: true, steps };
  });
  return {
    status: 'verified',
    sha256: FIXTURE_TRANSCRIPT_SHA256,
    plan: {
      ceremonyId: 'sp-consortium/keys-2',
      chainId: 'sp-consortium-devnet',
      members,
      coordinator,
      phase1: 'made by the members at 2^12',
      beacon: 'the first Bitcoin block hash after 2026-11-28, 2^10 iterations',
      contributionTimeLimitMs: 3_600_000,
      onMissingContribution: 'skip',
    },
    lanes,
    attestedBy: members,
    attestationProblem: null,
    waitingFor: null,
  };
}

/** `points` per chart: 60 keeps tests small; a full 10m range is 600. */
export function makeSnapshot(memberCount: number, nowMs: number, range: ChartRange = '10m', points = 60): DashboardSnapshot {
  const members = memberIds(memberCount);
  const endSeconds = Math.floor(nowMs / 1_000);
  const charts = Object.fromEntries((Object.keys(CHART_SPECS) as ChartKey[]).map((key) => [key, makeChart(key, members, endSeconds, range, points)])) as Record<ChartKey, ChartData>;
  const [first, second, third] = [members[0]!, members[1 % members.length]!, members[2 % members.length]!];
  return {
    protocol: PROTOCOL_VERSION,
    nowMs,
    chainId: 'sp-consortium-devnet',
    source: { kind: 'scrape', intervalMs: 1_000 },
    members: members.map((id, index) => ({ id, operator: id.split('-')[0]!, tadig: OPERATORS[index]![1], apiUrl: `http://127.0.0.1:${7100 + index}` })),
    overall: 'healthy',
    cards: makeCards(members, nowMs),
    range,
    charts,
    topology: makeTopology(members),
    consensus: {
      missedVotes: members.map((validator, index) => ({ validator, missed: index === 1 ? 4 : 0 })),
      equivocations: [{ timeMs: nowMs - 120_000, reportedBy: first, offender: second, message: 'prevote', detail: 'two prevotes at height 41 round 0' }],
      roundChanges: 2,
    },
    settlements: {
      periods: [
        { period: '2026-10', closed: true, batches: 8, settledBatches: 8, netting: { grossAmount: '1234567890123', nettedAmount: '234567890000', payments: [{ from: second, to: first, amount: '200000000000' }, { from: third, to: first, amount: '34567890000' }] } },
        { period: '2026-11', closed: false, batches: 6, settledBatches: 3, netting: null },
      ],
      pairs: [
        { creditor: first, debtor: second, states: { proposed: 1, accepted: 3, disputed: 1, superseded: 0, resolved: 0 } },
        { creditor: second, debtor: first, states: { proposed: 0, accepted: 2, disputed: 0, superseded: 0, resolved: 1 } },
      ],
      matrix: { period: '2026-10', cells: [{ creditor: first, debtor: second, amount: '700000000000' }, { creditor: second, debtor: first, amount: '500000000000' }, { creditor: first, debtor: third, amount: '34567890000' }] },
      anomalies: [{ timeMs: nowMs - 300_000, member: second, kind: 'spike', service: 'data', detail: 'data volume 10.4x the moving average' }],
      anomaliesUnavailable: null,
      disputes: [{ statementId: 'st-2026-11-0001', creditor: first, debtor: second, period: '2026-11', state: 'disputed', reason: 'records total differs' }],
    },
    zkp: {
      proofsByOutcome: { ok: 42, failed: 1 },
      verificationsByOutcome: { valid: 120, invalid: 2 },
      keyEpochs: [{ epoch: 0, height: 0, circuits: ['settlement-16', 'settlement-64'] }],
      ceremony: { kind: 'distributed', contributors: members, circuits: [...FIXTURE_CIRCUITS], transcriptSha256: FIXTURE_TRANSCRIPT_SHA256, finishedAt: '2026-11-28T10:00:00Z', transcript: makeTranscriptReport(members, Date.parse('2026-11-28T10:00:00Z')) },
    },
    security: [makeSecurityEvent(first, 'auth_failed', nowMs - 5_000), makeSecurityEvent(second, 'refused_peer', nowMs - 10_000, '12D3KooWStranger')],
    alerts: { active: [makeAlert('AuthFailureSpike', 'firing', nowMs, { member: first })], history: [makeAlert('SlowBlocks', 'resolved', nowMs - 600_000, { member: second })] },
  };
}

/** The tick the server would send `seconds` after the snapshot, with one point per chart. */
export function makeTick(snapshot: DashboardSnapshot, nowMs: number, down: readonly string[] = []): Extract<StreamMessage, { type: 'tick' }> {
  const members = snapshot.members.map((member) => member.id);
  const time = Math.floor(nowMs / 1_000);
  const points = Object.fromEntries(
    (Object.keys(CHART_SPECS) as ChartKey[]).map((key) => {
      const chart = snapshot.charts[key];
      return [key, { time, values: chart.series.map((series, index) => (down.some((member) => series.startsWith(member)) ? null : sampleValue(key, index, time))) }];
    }),
  );
  const cards = makeCards(members, nowMs, down);
  return {
    type: 'tick',
    nowMs,
    overall: down.length > 0 ? 'degraded' : 'healthy',
    cards,
    topology: makeTopology(members, down),
    points,
    replaced: {},
    consensus: snapshot.consensus,
  };
}
