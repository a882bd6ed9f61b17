import type { MultiaddrConnection, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { describe, expect, it } from 'vitest';
import { createMembersOnlyGater, generateNodeKey, peerIdOf, type Refusal } from '../../src/index.js';

async function peer(): Promise<PeerId> {
  return peerIdFromString(peerIdOf(await generateNodeKey()));
}

// The gater reads only remoteAddr of a connection; the rest of the interface is not touched.
const connection = { remoteAddr: multiaddr('/ip4/192.0.2.7/tcp/4001') } as MultiaddrConnection;

describe('createMembersOnlyGater', () => {
  it('admits members at every checkpoint', async () => {
    const member = await peer();
    const refusals: Refusal[] = [];
    const gater = createMembersOnlyGater({ isMember: (id) => id === member.toString(), isInBackoff: () => false, onRefused: (r) => refusals.push(r) });
    expect(await gater.denyDialPeer!(member)).toBe(false);
    expect(await gater.denyOutboundConnection!(member, connection)).toBe(false);
    expect(await gater.denyInboundEncryptedConnection!(member, connection)).toBe(false);
    expect(await gater.denyOutboundEncryptedConnection!(member, connection)).toBe(false);
    expect(await gater.denyInboundUpgradedConnection!(member, connection)).toBe(false);
    expect(await gater.denyOutboundUpgradedConnection!(member, connection)).toBe(false);
    expect(refusals).toEqual([]);
  });

  it('refuses a non-member at every checkpoint, reporting each refusal with its reason', async () => {
    const [member, stranger] = [await peer(), await peer()];
    const refusals: Refusal[] = [];
    const gater = createMembersOnlyGater({ isMember: (id) => id === member.toString(), isInBackoff: () => false, onRefused: (r) => refusals.push(r) });
    expect(await gater.denyDialPeer!(stranger)).toBe(true);
    expect(await gater.denyInboundEncryptedConnection!(stranger, connection)).toBe(true);
    expect(await gater.denyOutboundEncryptedConnection!(stranger, connection)).toBe(true);
    expect(refusals).toEqual([
      { peerId: stranger.toString(), reason: 'not_member', checkpoint: 'dial_peer', remoteAddress: null },
      { peerId: stranger.toString(), reason: 'not_member', checkpoint: 'inbound_encrypted', remoteAddress: '/ip4/192.0.2.7/tcp/4001' },
      { peerId: stranger.toString(), reason: 'not_member', checkpoint: 'outbound_encrypted', remoteAddress: '/ip4/192.0.2.7/tcp/4001' },
    ]);
  });

  it('refuses a member in back-off with reason backoff', async () => {
    const member = await peer();
    const refusals: Refusal[] = [];
    let inBackoff = true;
    const gater = createMembersOnlyGater({ isMember: () => true, isInBackoff: () => inBackoff, onRefused: (r) => refusals.push(r) });
    expect(await gater.denyInboundEncryptedConnection!(member, connection)).toBe(true);
    expect(refusals.map((r) => r.reason)).toEqual(['backoff']);
    inBackoff = false;
    expect(await gater.denyInboundEncryptedConnection!(member, connection)).toBe(false);
  });

  it('refuses relays outright', async () => {
    const member = await peer();
    const gater = createMembersOnlyGater({ isMember: () => true, isInBackoff: () => false, onRefused: () => undefined });
    expect(await gater.denyInboundRelayReservation!(member)).toBe(true);
    expect(await gater.denyOutboundRelayedConnection!(member, member)).toBe(true);
    expect(await gater.denyInboundRelayedConnection!(member, member)).toBe(true);
  });
});
