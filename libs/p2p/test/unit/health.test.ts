import { describe, expect, it } from 'vitest';
import { PROTOCOL_NAMES } from '../../src/constants.js';
import { PeerHealthRecord } from '../../src/health.js';

const fields = { memberId: 'Orange-FR', peerId: '12D3KooW...', connections: 1, score: 0, backoffUntilMs: null, backoffs: 0 };

describe('PeerHealthRecord', () => {
  it('keeps only the last events, oldest first', () => {
    const record = new PeerHealthRecord(3);
    record.recordUp(1, 'outbound');
    record.recordDown(2, 'remote_closed');
    record.recordUp(3, 'inbound');
    record.recordDown(4, 'limit_exceeded');
    const { events, sinceMs } = record.snapshot(fields);
    expect(events).toEqual([
      { kind: 'down', atMs: 2, direction: null, reason: 'remote_closed' },
      { kind: 'up', atMs: 3, direction: 'inbound', reason: null },
      { kind: 'down', atMs: 4, direction: null, reason: 'limit_exceeded' },
    ]);
    expect(sinceMs).toBe(4);
  });

  it('counts traffic per protocol and direction, and snapshots are copies', () => {
    const record = new PeerHealthRecord(50);
    record.recordSent('consensus', 100);
    record.recordSent('consensus', 50);
    record.recordReceived('sync', 7);
    record.recordDropped('tx', 3);
    const first = record.snapshot(fields);
    expect(Object.keys(first.traffic)).toEqual([...PROTOCOL_NAMES]);
    expect(first.traffic.consensus).toEqual({ sent: { bytes: 150, messages: 2 }, received: { bytes: 0, messages: 0 }, droppedMessages: 0 });
    expect(first.traffic.sync.received).toEqual({ bytes: 7, messages: 1 });
    expect(first.traffic.tx.droppedMessages).toBe(3);
    record.recordSent('consensus', 1);
    expect(first.traffic.consensus.sent.messages).toBe(2);
    expect(record.snapshot(fields).traffic.consensus.sent.messages).toBe(3);
  });

  it('reports the last RTT and no connection as disconnected', () => {
    const record = new PeerHealthRecord(50);
    expect(record.snapshot(fields)).toMatchObject({ rttMs: null, rttMeasuredAtMs: null, connected: true });
    record.recordRtt(0.42, 1_000);
    expect(record.snapshot({ ...fields, connections: 0 })).toMatchObject({ rttMs: 0.42, rttMeasuredAtMs: 1_000, connected: false });
  });
});
