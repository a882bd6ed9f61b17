import { describe, expect, it } from 'vitest';
import { mergeAnomalies, type AnomalyJson, type ChainData, type StatementJson } from '../../src/server/collect/chain-reader.js';
import { ANOMALIES_ARE_THE_PARTIES, settlementsView } from '../../src/server/derive/settlements.js';

const statement = (id: string, creditor: string, debtor: string, state: string, extra: Partial<StatementJson> = {}): StatementJson => ({ id, creditor, debtor, period: '2026-10', state, publicInputs: null, dispute: null, resolution: null, ...extra });

/** A chain as a node's API shows it (amounts are decimal strings of minor units). */
const chain: ChainData = {
  readFrom: 'M1',
  readAtMs: 0,
  periods: [
    { period: '2026-09', batches: 4, settledBatches: 4, closed: { height: 90, timeMs: 1, closedBy: 'M1' } },
    { period: '2026-10', batches: 5, settledBatches: 2, closed: null },
  ],
  nettings: new Map([['2026-09', { period: '2026-09', balances: [], payments: [{ from: 'M2', to: 'M1', amount: '123456789012345678901' }], grossAmount: '999999999999999999999', nettedAmount: '123456789012345678901' }]]),
  statements: [
    statement('s1', 'M1', 'M2', 'accepted', { publicInputs: { total: '9007199254740993' } }),
    statement('s2', 'M1', 'M2', 'accepted', { publicInputs: { total: '1' } }),
    statement('s3', 'M2', 'M1', 'disputed', { dispute: { reasonCode: 'wrong_rates', reason: null } }),
    statement('s4', 'M2', 'M1', 'resolved', { dispute: { reasonCode: 'volume_mismatch', reason: 'the volumes differ' }, resolution: { agreedTotal: '500' } }),
    statement('s5', 'M3', 'M1', 'proposed'),
    statement('s6', 'M3', 'M1', 'accepted'),
  ],
  anomalies: [{ seq: 1, kind: 'spike', creditor: 'M1', debtor: 'M2', service: 'voice', batchId: 'b', volume: '900', baseline: '100', timeMs: 5 }],
  anomaliesReadable: true,
  keyEpochs: [],
};

describe('settlementsView', () => {
  const view = settlementsView(chain);

  it('lists periods with their netting, amounts kept as exact decimal strings', () => {
    expect(view.periods.map((p) => [p.period, p.closed, p.batches, p.settledBatches])).toEqual([['2026-09', true, 4, 4], ['2026-10', false, 5, 2]]);
    expect(view.periods[0]!.netting).toEqual({ grossAmount: '999999999999999999999', nettedAmount: '123456789012345678901', payments: [{ from: 'M2', to: 'M1', amount: '123456789012345678901' }] });
    expect(view.periods[1]!.netting).toBeNull();
  });

  it('counts statements per ordered pair and state', () => {
    expect(view.pairs).toEqual([
      { creditor: 'M1', debtor: 'M2', states: { proposed: 0, accepted: 2, disputed: 0, superseded: 0, resolved: 0 } },
      { creditor: 'M2', debtor: 'M1', states: { proposed: 0, accepted: 0, disputed: 1, superseded: 0, resolved: 1 } },
      { creditor: 'M3', debtor: 'M1', states: { proposed: 1, accepted: 1, disputed: 0, superseded: 0, resolved: 0 } },
    ]);
  });

  it('sums the bilateral matrix of the latest closed period (else the latest) in bigint (beyond 2^53) from the totals it can see', () => {
    // 2026-09 is closed: the matrix shows it (none of these statements is of it).
    expect(view.matrix).toEqual({ period: '2026-09', cells: [] });
    const open = settlementsView({ ...chain, periods: chain.periods.map((p) => ({ ...p, closed: null })) });
    expect(open.matrix.period).toBe('2026-10');
    expect(open.matrix.cells).toEqual([
      { creditor: 'M1', debtor: 'M2', amount: '9007199254740994' },
      { creditor: 'M2', debtor: 'M1', amount: '500' },
    ]);
  });

  it('lists disputes newest first with their reason (the code when the text is private) and anomalies newest first', () => {
    expect(view.disputes.map((d) => [d.statementId, d.state, d.reason])).toEqual([['s4', 'resolved', 'the volumes differ'], ['s3', 'disputed', 'wrong_rates']]);
    expect(view.anomalies).toEqual([{ timeMs: 5, member: 'M1', kind: 'spike', service: 'voice', detail: 'M1 bills M2: 900 units of voice against a baseline of 100 (batch b)' }]);
    expect(view.anomaliesUnavailable).toBeNull();
  });

  it('says why it lists no anomaly when it holds no member\'s own token: they are the parties\' data', () => {
    const observerOnly = settlementsView({ ...chain, anomalies: [], anomaliesReadable: false });
    expect(observerOnly.anomalies).toEqual([]);
    expect(observerOnly.anomaliesUnavailable).toBe(ANOMALIES_ARE_THE_PARTIES);
  });
});

describe('mergeAnomalies', () => {
  const anomaly = (seq: number, batchId: string, service: string, timeMs: number, creditor = 'M1', debtor = 'M2'): AnomalyJson => ({ seq, kind: 'spike', creditor, debtor, service, batchId, volume: '900', baseline: '100', timeMs });

  it('lists an anomaly both parties\' nodes raised once, in the order of the blocks, whatever each node numbered it', () => {
    // M1's node (creditor of M1>M2, debtor of M3>M1) and M2's node (debtor of M1>M2): own sequence numbers each
    const onM1 = [anomaly(1, 'M1>M2/2026-10/0', 'data', 10), anomaly(2, 'M3>M1/2026-10/0', 'sms', 20, 'M3', 'M1'), anomaly(3, 'M1>M2/2026-10/61', 'data', 30)];
    const onM2 = [anomaly(1, 'M1>M2/2026-10/0', 'data', 10), anomaly(2, 'M1>M2/2026-10/61', 'data', 30), anomaly(3, 'M1>M2/2026-10/61', 'voice_mo', 30)];
    expect(mergeAnomalies([onM1, onM2], 200).map((a) => `${a.batchId} ${a.service}`)).toEqual([
      'M1>M2/2026-10/0 data',
      'M3>M1/2026-10/0 sms',
      'M1>M2/2026-10/61 data',
      'M1>M2/2026-10/61 voice_mo',
    ]);
    expect(mergeAnomalies([onM1, onM2], 2).map((a) => `${a.batchId} ${a.service}`)).toEqual(['M1>M2/2026-10/61 data', 'M1>M2/2026-10/61 voice_mo']);
    expect(mergeAnomalies([], 200)).toEqual([]);
  });
});
