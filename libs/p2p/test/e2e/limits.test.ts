import type { Libp2p } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidMessageKindError,
  MalformedFrameError,
  OversizedFrameError,
  PROTOCOL_IDS,
  RESPONSE_MAX_BYTES,
  UnknownMemberError,
  type InvalidMessageKind,
} from '../../src/index.js';
import { addressOf, makeIdentities, metricValue, TestNetwork, type TestIdentity, type TestNode } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';

const network = new TestNetwork();
afterAll(async () => network.stopAll());

const count = async (node: TestNode, name: string, labels: Record<string, string>) => metricValue(node.telemetry, name, labels);
const health = (node: TestNode, memberId: string) => node.node.peerHealth().find((peer) => peer.memberId === memberId)!;

describe('an oversized frame from a member', () => {
  // Long enough that the checks made during the back-off (the rogue's redial meeting the gater)
  // land inside it on a busy machine; the third test waits it out once.
  const backoffBaseMs = 5_000;
  let identities: TestIdentity[];
  let telenor: TestNode, orange: TestNode;
  let rogue: Libp2p;

  beforeAll(async () => {
    identities = await makeIdentities(['Telenor-NO', 'Orange-FR', 'SFR-FR']);
    const [telenorId, orangeId, sfrId] = identities as [TestIdentity, TestIdentity, TestIdentity];
    telenor = await network.startNode(telenorId, identities, { limits: { backoffBaseMs } });
    orange = await network.startNode(orangeId, identities, { addresses: new Map([['Telenor-NO', telenor.node.listenAddresses()]]) });
    // SFR-FR is a member, but its node is a bare libp2p host that writes whatever it likes.
    rogue = await network.startBareHost(sfrId.key);
    await waitFor('Telenor and Orange connected', () => telenor.node.connectedMembers().includes('Orange-FR'));
  });

  const telenorAddress = () => multiaddr(addressOf(telenor));

  async function sendOversizedTxFrame(): Promise<void> {
    const connection = await rogue.dial(telenorAddress());
    await waitFor('Telenor sees SFR-FR connected', () => telenor.node.connectedMembers().includes('SFR-FR'));
    const stream = await connection.newStream(PROTOCOL_IDS.tx);
    // tx frames are limited to 1 MiB: one byte more.
    await lpStream(stream).write(new Uint8Array(1024 * 1024 + 1)).catch(() => undefined);
  }

  it('disconnects the member for a back-off and counts it', async () => {
    await sendOversizedTxFrame();
    await waitFor('SFR-FR disconnected', () => !telenor.node.connectedMembers().includes('SFR-FR'));
    expect(await count(telenor, 'consortium_security_invalid_messages_total', { kind: 'oversized' })).toBe(1);
    expect(await count(telenor, 'consortium_p2p_disconnects_total', { member: 'SFR-FR', reason: 'limit_exceeded' })).toBe(1);
    const sfr = health(telenor, 'SFR-FR');
    expect(sfr.backoffUntilMs).toBeGreaterThan(Date.now());
    expect(sfr.backoffs).toBe(1);
    expect(sfr.events.at(-1)).toMatchObject({ kind: 'down', reason: 'limit_exceeded' });
    expect(telenor.logs.find('invalid message from member SFR-FR: oversized on tx').length).toBe(1);
    expect(telenor.logs.find('member SFR-FR exceeded its limits').at(-1)).toMatchObject({ level: 'warn', backoffMs: backoffBaseMs, lastKind: 'oversized' });
  });

  it('refuses the member while its back-off lasts, and counts each refusal', async () => {
    const before = await count(telenor, 'consortium_security_refused_peers_total', { reason: 'backoff' });
    // The rogue's side notices the abort a moment later; then its redial meets the gater.
    await waitFor('the rogue sees its connection gone', () => rogue.getConnections().length === 0);
    await rogue.dial(telenorAddress()).catch(() => undefined);
    await waitFor('refusal counted', async () => (await count(telenor, 'consortium_security_refused_peers_total', { reason: 'backoff' })) > before);
    expect(telenor.node.connectedMembers()).not.toContain('SFR-FR');
    expect(telenor.logs.find('refused member SFR-FR: in back-off').length).toBeGreaterThan(0);
  });

  it('lets the member back in after the back-off, and doubles the back-off on a repeat', async () => {
    await waitFor('back-off over', () => ({ done: health(telenor, 'SFR-FR').backoffUntilMs === null, seen: `back-off until ${health(telenor, 'SFR-FR').backoffUntilMs}, now ${Date.now()}` }));
    await sendOversizedTxFrame();
    await waitFor('SFR-FR disconnected again', () => health(telenor, 'SFR-FR').backoffs === 2);
    expect(telenor.logs.find('member SFR-FR exceeded its limits').at(-1)).toMatchObject({ backoffMs: 2 * backoffBaseMs, backoffs: 2 });
    expect(await count(telenor, 'consortium_p2p_disconnects_total', { member: 'SFR-FR', reason: 'limit_exceeded' })).toBe(2);
  });

  it('keeps the node and its other members working', async () => {
    const got: string[] = [];
    orange.node.onMessage('tx', (from) => got.push(from));
    telenor.node.send('Orange-FR', 'tx', new Uint8Array([1]));
    await waitFor('Orange got the frame', () => got.length === 1);
    expect(got).toEqual(['Telenor-NO']);
    expect(await count(telenor, 'consortium_p2p_disconnects_total', { member: 'Orange-FR' })).toBe(0);
  });
});

describe('a flood past the rate limit from a member', () => {
  let vodafone: TestNode, tmobile: TestNode;
  const delivered: string[] = [];

  beforeAll(async () => {
    const identities = await makeIdentities(['Vodafone-UK', 'T-Mobile-DE']);
    // Vodafone takes 20 tx frames per second (burst 20) from each member; each frame over
    // costs 2 points of a 100-point limit, so about 50 frames over the rate disconnect. The
    // back-off outlasts T-Mobile's first redials (50 ms, doubling) even on a busy machine.
    [vodafone, tmobile] = (await network.startCluster(identities, {
      messageRates: { tx: { perSecond: 20, burst: 20 } },
      backoffBaseMs: 3_000,
    })) as [TestNode, TestNode];
    vodafone.node.onMessage('tx', (from) => delivered.push(from));
  });

  it('drops the frames over the rate, then disconnects the member for a back-off', async () => {
    for (let index = 0; index < 300; index++) tmobile.node.send('Vodafone-UK', 'tx', new Uint8Array(64));
    await waitFor('T-Mobile disconnected', () => health(vodafone, 'T-Mobile-DE').backoffs === 1);
    expect(await count(vodafone, 'consortium_security_invalid_messages_total', { kind: 'rate_exceeded' })).toBeGreaterThanOrEqual(50);
    expect(await count(vodafone, 'consortium_p2p_disconnects_total', { member: 'T-Mobile-DE', reason: 'limit_exceeded' })).toBe(1);
    // The handler saw the frames within the rate only.
    expect(delivered.length).toBeGreaterThanOrEqual(20);
    expect(delivered.length).toBeLessThan(40);
    expect(vodafone.logs.find('invalid message from member T-Mobile-DE: rate_exceeded on tx').length).toBeGreaterThan(0);
  });

  it('refuses the member during the back-off and reconnects after it', async () => {
    await waitFor('a redial refused for back-off', async () => (await count(vodafone, 'consortium_security_refused_peers_total', { reason: 'backoff' })) > 0);
    await waitFor('reconnected after the back-off', () => vodafone.node.connectedMembers().includes('T-Mobile-DE'));
    expect(health(vodafone, 'T-Mobile-DE').events.map((event) => event.kind).slice(-3)).toEqual(['up', 'down', 'up']);
    // Back in, and within the rate, the member is served normally.
    const before = delivered.length;
    await waitFor('T-Mobile sees Vodafone again', () => tmobile.node.connectedMembers().includes('Vodafone-UK'));
    tmobile.node.send('Vodafone-UK', 'tx', new Uint8Array(64));
    await waitFor('frame delivered after reconnect', () => delivered.length === before + 1);
  });
});

describe('reportInvalid', () => {
  let sfr: TestNode;

  beforeAll(async () => {
    [sfr] = (await network.startCluster(await makeIdentities(['SFR-FR', 'Orange-FR']), { backoffBaseMs: 300 })) as [TestNode, TestNode];
  });

  it('counts the fault by kind and raises the score; past the limit the member is disconnected', async () => {
    sfr.node.reportInvalid('Orange-FR', 'bad_signature');
    expect(await count(sfr, 'consortium_security_invalid_messages_total', { kind: 'bad_signature' })).toBe(1);
    expect(health(sfr, 'Orange-FR').score).toBeCloseTo(60, 0);
    expect(await count(sfr, 'consortium_p2p_peer_score', { member: 'Orange-FR' })).toBeCloseTo(60, 0);
    expect(sfr.node.connectedMembers()).toEqual(['Orange-FR']);
    sfr.node.reportInvalid('Orange-FR', 'invalid_proof');
    await waitFor('Orange disconnected', () => sfr.node.connectedMembers().length === 0);
    expect(health(sfr, 'Orange-FR')).toMatchObject({ score: 0, backoffs: 1 });
    await waitFor('Orange back after 300 ms', () => sfr.node.connectedMembers().length === 1);
  });

  it('refuses a bad member id or kind and changes nothing', async () => {
    const before = await count(sfr, 'consortium_security_invalid_messages_total', {});
    expect(() => sfr.node.reportInvalid('Nokia-FI', 'malformed')).toThrow(UnknownMemberError);
    expect(() => sfr.node.reportInvalid('Orange-FR', 'rude' as InvalidMessageKind)).toThrow(InvalidMessageKindError);
    expect(await count(sfr, 'consortium_security_invalid_messages_total', {})).toBe(before);
  });
});

describe('a member that reads too slowly', () => {
  let orange: TestNode, telenor: TestNode;
  const got: number[] = [];

  beforeAll(async () => {
    [orange, telenor] = (await network.startCluster(await makeIdentities(['Orange-FR', 'Telenor-NO']), { sendQueueMaxFrames: 10 })) as [TestNode, TestNode];
    telenor.node.onMessage('consensus', (_from, payload) => got.push(payload[0]!));
  });

  it('loses new frames past the bounded queue (counted), and the caller never waits', async () => {
    for (let index = 0; index < 1000; index++) orange.node.send('Telenor-NO', 'consensus', Uint8Array.of(index % 256));
    // send() returned without waiting for the network: the queue holds 10 frames and the rest
    // were already dropped when the loop ended, with nothing awaited in between.
    // (No bound on the loop's time: that would measure the machine's load, not the code.)
    expect(health(orange, 'Telenor-NO').traffic.consensus.droppedMessages).toBe(990);
    expect(await count(orange, 'consortium_p2p_dropped_messages_total', { member: 'Telenor-NO', protocol: 'consensus', cause: 'queue_full' })).toBe(990);
    await waitFor('the queued frames arrived', () => got.length === 10);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(orange.logs.find('send queue to member Telenor-NO is full').at(-1)).toMatchObject({ level: 'warn', cause: 'queue_full' });
    // Once drained, frames flow again.
    orange.node.send('Telenor-NO', 'consensus', Uint8Array.of(200));
    await waitFor('a later frame arrived', () => got.at(-1) === 200);
  });
});

describe('a member answering requests badly', () => {
  let orange: TestNode;
  let rogue: Libp2p;
  let answer: 'malformed' | 'oversized' = 'malformed';

  /** A varint length prefix, as lpStream writes it. */
  const varint = (value: number): Uint8Array => {
    const bytes: number[] = [];
    for (let rest = value; ; rest = Math.floor(rest / 128)) {
      if (rest < 128) {
        bytes.push(rest);
        return Uint8Array.from(bytes);
      }
      bytes.push((rest % 128) | 128);
    }
  };

  beforeAll(async () => {
    const identities = await makeIdentities(['Orange-FR', 'Telenor-NO']);
    orange = await network.startNode(identities[0]!, identities, { limits: { backoffBaseMs: 200 } });
    // Telenor-NO's node is a bare host whose sync handler answers out of protocol.
    rogue = await network.startBareHost(identities[1]!.key);
    await rogue.handle(PROTOCOL_IDS.sync, async (stream) => {
      const lp = lpStream(stream);
      await lp.read();
      if (answer === 'malformed') {
        await lp.write(Uint8Array.of(7, 7)); // a status frame must be one byte of 0-3
      } else {
        await lp.write(Uint8Array.of(0));
        stream.send(varint(RESPONSE_MAX_BYTES.sync + 1)); // announce a response over the limit
        stream.send(new Uint8Array(1024));
      }
    });
    await rogue.dial(multiaddr(addressOf(orange)));
    await waitFor('Orange sees Telenor', () => orange.node.connectedMembers().includes('Telenor-NO'));
  });

  it('rejects a malformed response status and scores the member', async () => {
    await expect(orange.node.request('Telenor-NO', 'sync', new Uint8Array(1), 15_000)).rejects.toBeInstanceOf(MalformedFrameError);
    expect(await count(orange, 'consortium_security_invalid_messages_total', { kind: 'malformed' })).toBe(1);
    expect(health(orange, 'Telenor-NO').score).toBeGreaterThan(0);
  });

  it('rejects a response over the limit without reading it, and disconnects the member', async () => {
    answer = 'oversized';
    await expect(orange.node.request('Telenor-NO', 'sync', new Uint8Array(1), 15_000)).rejects.toBeInstanceOf(OversizedFrameError);
    expect(await count(orange, 'consortium_security_invalid_messages_total', { kind: 'oversized' })).toBe(1);
    await waitFor('Telenor disconnected', () => !orange.node.connectedMembers().includes('Telenor-NO'));
    expect(health(orange, 'Telenor-NO').events.at(-1)).toMatchObject({ kind: 'down', reason: 'limit_exceeded' });
  });
});

describe('a flood of bytes within the frame rate', () => {
  let vodafone: TestNode, tmobile: TestNode;
  let deliveredBytes = 0;
  const KiB = 1024;

  beforeAll(async () => {
    const identities = await makeIdentities(['Vodafone-UK', 'T-Mobile-DE']);
    // Plenty of frames (1,000 a second), few bytes: 256 KiB a second, 1 MiB at once.
    [vodafone, tmobile] = (await network.startCluster(identities, {
      messageRates: { tx: { perSecond: 1_000, burst: 1_000, bytesPerSecond: 256 * KiB, burstBytes: 1024 * KiB } },
      backoffBaseMs: 500,
    })) as [TestNode, TestNode];
    vodafone.node.onMessage('tx', (_from, payload) => (deliveredBytes += payload.byteLength));
  });

  it('drops the frames over the byte rate, counted in frames and bytes, and scores the member', async () => {
    const startedAt = Date.now();
    // 60 frames of 100 KiB: 6 MB, far past the byte rate though only 60 frames.
    for (let index = 0; index < 60; index++) tmobile.node.send('Vodafone-UK', 'tx', new Uint8Array(100 * KiB));
    await waitFor('frames over the byte rate counted', async () => (await count(vodafone, 'consortium_p2p_rate_limited_messages_total', { member: 'T-Mobile-DE', protocol: 'tx' })) > 0);
    await waitFor('all 60 frames seen', () => health(vodafone, 'T-Mobile-DE').traffic.tx.received.messages === 60, 20_000);
    const elapsedS = (Date.now() - startedAt) / 1000;
    // What reached the handler stayed within the burst plus the rate; everything else was counted.
    expect(deliveredBytes).toBeLessThanOrEqual(1024 * KiB + 256 * KiB * elapsedS);
    const limitedBytes = await count(vodafone, 'consortium_p2p_rate_limited_bytes_total', { member: 'T-Mobile-DE', protocol: 'tx' });
    expect(limitedBytes + deliveredBytes).toBe(60 * 100 * KiB);
    const limitedFrames = await count(vodafone, 'consortium_p2p_rate_limited_messages_total', { member: 'T-Mobile-DE', protocol: 'tx' });
    expect(await count(vodafone, 'consortium_security_invalid_messages_total', { kind: 'rate_exceeded' })).toBe(limitedFrames);
    expect(health(vodafone, 'T-Mobile-DE').score).toBeGreaterThan(0);
  });
});

describe('frame limits from configuration', () => {
  let orange: TestNode, telenor: TestNode;
  const got: number[] = [];
  const MiB = 1024 * 1024;

  beforeAll(async () => {
    // What apps/node does: frame limits derived from genesis, the same on every member.
    [orange, telenor] = (await network.startCluster(
      await makeIdentities(['Orange-FR', 'Telenor-NO']),
      { messageRates: { tx: { burstBytes: 8 * MiB } } },
      { messageMaxBytes: { tx: 3 * MiB } },
    )) as [TestNode, TestNode];
    telenor.node.onMessage('tx', (_from, payload) => got.push(payload.byteLength));
  });

  it('carries frames up to the configured limit and refuses larger ones before sending', async () => {
    orange.node.send('Telenor-NO', 'tx', new Uint8Array(2 * MiB));
    await waitFor('the 2 MiB frame arrived', () => got.length === 1);
    expect(got).toEqual([2 * MiB]);
    expect(() => orange.node.broadcast('tx', new Uint8Array(3 * MiB + 1))).toThrow(expect.objectContaining({ name: 'OversizedPayloadError' }));
    expect(orange.node.frames.messageMaxBytes.tx).toBe(3 * MiB);
  });
});

describe('a length prefix that never ends, from a member', () => {
  // libp2p's reader took a varint longer than 8 bytes for "not complete yet": a member could send
  // continuation bytes without end on a message stream (no read deadline there), uncounted, its
  // buffer growing. Now the prefix is refused once it is longer than the frame limit needs.
  it('is refused as an oversized frame on the consensus stream, counted, and the member disconnected', async () => {
    const ids = await makeIdentities(['Vodafone-UK', 'T-Mobile-DE']);
    const [vodafoneId, tmobileId] = ids as [TestIdentity, TestIdentity];
    const vodafone = await network.startNode(vodafoneId, ids);
    const rogue = await network.startBareHost(tmobileId.key);
    const connection = await rogue.dial(multiaddr(addressOf(vodafone)));
    await waitFor('Vodafone sees T-Mobile connected', () => vodafone.node.connectedMembers().includes('T-Mobile-DE'));
    const stream = await connection.newStream(PROTOCOL_IDS.consensus);
    const continuation = new Uint8Array(16).fill(0x80);
    if (!stream.send(continuation)) await stream.onDrain();
    await waitFor('T-Mobile disconnected for an oversized frame', async () => ({
      done: (await count(vodafone, 'consortium_security_invalid_messages_total', { kind: 'oversized' })) === 1 && !vodafone.node.connectedMembers().includes('T-Mobile-DE'),
      seen: `oversized ${await count(vodafone, 'consortium_security_invalid_messages_total', { kind: 'oversized' })}, connected [${vodafone.node.connectedMembers().join(', ')}]`,
    }));
  });
});
