import { P2P_PROTOCOLS } from '@consortium/telemetry';
import { describe, expect, it } from 'vitest';
import {
  MESSAGE_MAX_BYTES,
  MESSAGE_PROTOCOLS,
  PROTOCOL_IDS,
  PROTOCOL_NAMES,
  REQUEST_MAX_BYTES,
  REQUEST_PROTOCOLS,
  PRIVATE_PROTOCOLS,
  RESPONSE_MAX_BYTES,
} from '../../src/index.js';

const MiB = 1024 * 1024;

describe('protocols', () => {
  it('uses exactly the protocol label values of the p2p metrics', () => {
    expect([...PROTOCOL_NAMES]).toEqual([...P2P_PROTOCOLS]);
  });

  it('has versioned ids under /consortium/', () => {
    expect(PROTOCOL_IDS).toEqual({
      consensus: '/consortium/consensus/1.0.0',
      tx: '/consortium/tx/1.0.0',
      sync: '/consortium/sync/1.0.0',
      records: '/consortium/records/1.0.0',
      ceremony: '/consortium/ceremony/1.0.0',
    });
  });

  it('sorts every protocol into exactly one kind', () => {
    expect([...MESSAGE_PROTOCOLS, ...REQUEST_PROTOCOLS, ...PRIVATE_PROTOCOLS].sort()).toEqual([...PROTOCOL_NAMES].sort());
  });

  it('limits each protocol frame', () => {
    expect(MESSAGE_MAX_BYTES).toEqual({ consensus: 8 * MiB, tx: 1 * MiB, records: 16 * MiB });
    expect(REQUEST_MAX_BYTES).toEqual({ sync: 4 * 1024, ceremony: 64 * 1024 });
    expect(RESPONSE_MAX_BYTES).toEqual({ sync: 32 * MiB, ceremony: 4 * MiB });
  });
});
