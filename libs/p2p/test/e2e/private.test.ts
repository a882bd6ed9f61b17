import type { Libp2p, Stream } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HandlerAlreadyRegisteredError,
  InvalidHandlerError,
  InvalidSignalError,
  MalformedFrameError,
  MESSAGE_MAX_BYTES,
  NotConnectedError,
  OversizedPayloadError,
  PRIVATE_HEADER_MAX_BYTES,
  PRIVATE_OFFER_PREFIX_BYTES,
  PRIVATE_STATUS,
  PrivateMessageRefusedError,
  PROTOCOL_IDS,
  RequestAbortedError,
  RequestTimeoutError,
  type MemberId,
} from '../../src/index.js';
import { addressOf, makeIdentities, metricValue, SpanRecorder, TestNetwork, type TestIdentity, type TestNode } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';

// The private exchange over real libp2p on loopback. The receiving application's rule, as
// settlement's will be: a member may send a pair's message only as that pair's creditor, to
// that pair's debtor. The header names the pair ("creditor>debtor").

const network = new TestNetwork();
afterAll(async () => network.stopAll());

const text = (value: string) => new TextEncoder().encode(value);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const count = async (node: TestNode, name: string, labels: Record<string, string>) => metricValue(node.telemetry, name, labels);
const refusals = async (node: TestNode, member: MemberId, reason: string) =>
  count(node, 'consortium_security_private_refusals_total', { member, reason });

/** Every (creditor, debtor) pair with an agreement in this test. */
const AGREEMENTS = new Set(['T-Mobile-DE>Vodafone-UK', 'SFR-FR>Vodafone-UK']);

interface Delivered {
  readonly from: MemberId;
  readonly header: string;
  readonly body: Uint8Array;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

/** Random bytes (fast, not cryptographic): a body whose every byte is checked on arrival. */
function pattern(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let state = seed;
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

describe('private messages between the two parties of an agreement', () => {
  let identities: TestIdentity[];
  let tmobile: TestNode, vodafone: TestNode, orange: TestNode, telenor: TestNode;
  let rogue: Libp2p;
  const delivered = new Map<MemberId, Delivered[]>();
  const spans = new Map<MemberId, SpanRecorder>();
  const lastSpan = (id: MemberId, name: string) => spans.get(id)!.ended.filter((span) => span.name === name).at(-1)?.attributes;
  /** Bodies a handler's `authorize` was asked about (it only ever sees headers). */
  const authorizeCalls: { from: MemberId; header: string }[] = [];

  beforeAll(async () => {
    identities = await makeIdentities(['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO', 'SFR-FR']);
    // Five members in genesis; SFR-FR's node is a bare libp2p host that writes whatever frames it likes.
    const nodes: TestNode[] = [];
    for (const identity of identities.slice(0, 4)) {
      const addresses = new Map(nodes.map((peer) => [peer.identity.id, peer.node.listenAddresses()]));
      const recorder = new SpanRecorder();
      spans.set(identity.id, recorder);
      nodes.push(await network.startNode(identity, identities, { addresses, tracer: recorder.tracer }));
    }
    await waitFor('the four nodes connected to each other', () => nodes.every((peer) => peer.node.connectedMembers().length === 3));
    [tmobile, vodafone, orange, telenor] = nodes as [TestNode, TestNode, TestNode, TestNode];
    for (const node of nodes) delivered.set(node.identity.id, []);
    const inbox = (node: TestNode) => delivered.get(node.identity.id)!;

    vodafone.node.handlePrivate({
      authorize: (from, header) => {
        authorizeCalls.push({ from, header: decode(header) });
        const [creditor, debtor] = decode(header).split('>');
        return from === creditor && debtor === 'Vodafone-UK' && AGREEMENTS.has(decode(header));
      },
      deliver: (from, header, body) => {
        inbox(vodafone).push({ from, header: decode(header), body });
      },
    });
    tmobile.node.handlePrivate({ authorize: () => true, deliver: (from, header, body) => void inbox(tmobile).push({ from, header: decode(header), body }) });
    // Telenor's application: one header it never answers, one it fails on.
    telenor.node.handlePrivate({
      authorize: () => true,
      deliver: async (_from, header) => {
        if (decode(header) === 'hang') await new Promise<void>(() => undefined);
        throw new Error('the record store is unavailable');
      },
    });
    // Orange registers no private handler.
    rogue = await network.startBareHost(identities[4]!.key);
  });

  it('delivers to the receiving application, and resolves only once it was delivered', async () => {
    const body = pattern(100 * 1024, 1);
    await tmobile.node.sendPrivate('Vodafone-UK', text('T-Mobile-DE>Vodafone-UK'), body);
    // No wait: sendPrivate resolved after Vodafone's deliver() returned.
    expect(delivered.get('Vodafone-UK')).toHaveLength(1);
    const [message] = delivered.get('Vodafone-UK')!;
    expect(message!.from).toBe('T-Mobile-DE');
    expect(message!.header).toBe('T-Mobile-DE>Vodafone-UK');
    expect(Buffer.from(message!.body).equals(Buffer.from(body))).toBe(true);
    expect(await count(vodafone, 'consortium_p2p_received_bytes_total', { member: 'T-Mobile-DE', protocol: 'records' })).toBe(
      PRIVATE_OFFER_PREFIX_BYTES + 'T-Mobile-DE>Vodafone-UK'.length + body.byteLength,
    );
    expect(await count(vodafone, 'consortium_security_private_refusals_total', {})).toBe(0);
    expect(lastSpan('T-Mobile-DE', 'p2p.private.send')).toEqual({ 'p2p.member': 'Vodafone-UK', 'p2p.body_bytes': body.byteLength, 'p2p.outcome': 'delivered' });
    await waitFor('the receive span ended', () => lastSpan('Vodafone-UK', 'p2p.private.receive') !== undefined);
    expect(lastSpan('Vodafone-UK', 'p2p.private.receive')).toEqual({ 'p2p.member': 'T-Mobile-DE', 'p2p.body_bytes': body.byteLength, 'p2p.outcome': 'delivered' });
  });

  it("refuses a third member's message before its body is sent: never delivered, counted, the member stays connected", async () => {
    const before = await count(vodafone, 'consortium_p2p_received_bytes_total', { member: 'Orange-FR', protocol: 'records' });
    const header = text('T-Mobile-DE>Vodafone-UK');
    const error = await rejection(orange.node.sendPrivate('Vodafone-UK', header, pattern(100 * 1024, 2)));
    expect(error).toBeInstanceOf(PrivateMessageRefusedError);
    expect(error).toMatchObject({ name: 'PrivateMessageRefusedError', memberId: 'Vodafone-UK', refusal: 'unauthorized', stage: 'offer' });
    expect(delivered.get('Vodafone-UK')).toHaveLength(1); // the earlier, allowed message only
    expect(authorizeCalls.at(-1)).toEqual({ from: 'Orange-FR', header: 'T-Mobile-DE>Vodafone-UK' });
    expect(await refusals(vodafone, 'Orange-FR', 'unauthorized')).toBe(1);
    // Only the offer crossed the network: the body was never sent, so never read or buffered.
    const after = await count(vodafone, 'consortium_p2p_received_bytes_total', { member: 'Orange-FR', protocol: 'records' });
    expect(after - before).toBe(PRIVATE_OFFER_PREFIX_BYTES + header.byteLength);
    expect(await count(orange, 'consortium_p2p_sent_bytes_total', { member: 'Vodafone-UK', protocol: 'records' })).toBe(PRIVATE_OFFER_PREFIX_BYTES + header.byteLength);
    // An application refusal is not a protocol fault: no score, no disconnection.
    expect(vodafone.node.peerHealth().find((peer) => peer.memberId === 'Orange-FR')!.score).toBe(0);
    expect(vodafone.node.connectedMembers()).toContain('Orange-FR');
    expect(lastSpan('Orange-FR', 'p2p.private.send')).toMatchObject({ 'p2p.member': 'Vodafone-UK', 'p2p.outcome': 'unauthorized' });
    await waitFor('the receive span ended', () => lastSpan('Vodafone-UK', 'p2p.private.receive')?.['p2p.member'] === 'Orange-FR');
    expect(lastSpan('Vodafone-UK', 'p2p.private.receive')).toMatchObject({ 'p2p.outcome': 'unauthorized' });
  });

  it('refuses, as unauthorized, a creditor writing to a member that is not its debtor', async () => {
    const error = await rejection(tmobile.node.sendPrivate('Vodafone-UK', text('T-Mobile-DE>Orange-FR'), pattern(10, 3)));
    expect(error).toMatchObject({ refusal: 'unauthorized', stage: 'offer' });
    expect(await refusals(vodafone, 'T-Mobile-DE', 'unauthorized')).toBe(1);
  });

  it('carries the largest legal header and body, and refuses one byte more before sending anything', async () => {
    const header = new Uint8Array(PRIVATE_HEADER_MAX_BYTES).fill(0x41);
    const body = pattern(MESSAGE_MAX_BYTES.records, 4);
    await vodafone.node.sendPrivate('T-Mobile-DE', header, body);
    const last = delivered.get('T-Mobile-DE')!.at(-1)!;
    expect(last.header).toBe('A'.repeat(PRIVATE_HEADER_MAX_BYTES));
    expect(last.body.byteLength).toBe(MESSAGE_MAX_BYTES.records);
    expect(Buffer.from(last.body).equals(Buffer.from(body))).toBe(true);

    const sentBefore = await count(vodafone, 'consortium_p2p_sent_messages_total', { member: 'T-Mobile-DE', protocol: 'records' });
    await expect(vodafone.node.sendPrivate('T-Mobile-DE', header, new Uint8Array(MESSAGE_MAX_BYTES.records + 1))).rejects.toThrow(OversizedPayloadError);
    await expect(vodafone.node.sendPrivate('T-Mobile-DE', new Uint8Array(PRIVATE_HEADER_MAX_BYTES + 1), body)).rejects.toThrow(OversizedPayloadError);
    expect(await count(vodafone, 'consortium_p2p_sent_messages_total', { member: 'T-Mobile-DE', protocol: 'records' })).toBe(sentBefore);
  });

  it('names the refusal of a member without a private handler, and of a handler that fails', async () => {
    expect(await rejection(tmobile.node.sendPrivate('Orange-FR', text('x'), text('body')))).toMatchObject({ refusal: 'no_handler', stage: 'offer' });
    expect(await rejection(tmobile.node.sendPrivate('Telenor-NO', text('fail'), text('body')))).toMatchObject({ refusal: 'handler_failed', stage: 'delivery' });
  });

  it('times out on a receiver that does not acknowledge, and stops when the caller aborts', async () => {
    const timedOut = await rejection(tmobile.node.sendPrivate('Telenor-NO', text('hang'), text('body'), { timeoutMs: 500 }));
    expect(timedOut).toBeInstanceOf(RequestTimeoutError);
    expect(timedOut).toMatchObject({ memberId: 'Telenor-NO', protocol: 'records', timeoutMs: 500 });
    expect(lastSpan('T-Mobile-DE', 'p2p.private.send')).toMatchObject({ 'p2p.outcome': 'timeout' });
    const controller = new AbortController();
    const sending = tmobile.node.sendPrivate('Telenor-NO', text('hang'), text('body'), { signal: controller.signal, timeoutMs: 60_000 });
    setTimeout(() => controller.abort(), 200);
    expect(await rejection(sending)).toBeInstanceOf(RequestAbortedError);
    await expect(tmobile.node.sendPrivate('Telenor-NO', text('x'), text('y'), { signal: 'soon' as never })).rejects.toThrow(InvalidSignalError);
  });

  it('has one private handler, and checks it', () => {
    expect(() => vodafone.node.handlePrivate({ authorize: () => true, deliver: () => undefined })).toThrow(HandlerAlreadyRegisteredError);
    expect(() => orange.node.handlePrivate({ authorize: true, deliver: () => undefined } as never)).toThrow(InvalidHandlerError);
    expect(() => orange.node.handlePrivate((() => true) as never)).toThrow(InvalidHandlerError);
  });

  describe('a member that breaks the protocol (SFR-FR, a bare libp2p host)', () => {
    async function openStream(): Promise<Stream> {
      const connection = await rogue.dial(multiaddr(addressOf(vodafone)));
      await waitFor('Vodafone sees SFR-FR connected', () => vodafone.node.connectedMembers().includes('SFR-FR'));
      return connection.newStream(PROTOCOL_IDS.records);
    }
    const offer = (bodyBytes: number, header: string) => {
      const frame = new Uint8Array(PRIVATE_OFFER_PREFIX_BYTES + header.length);
      new DataView(frame.buffer).setUint32(0, bodyBytes);
      frame.set(text(header), PRIVATE_OFFER_PREFIX_BYTES);
      return frame;
    };
    const status = async (lp: ReturnType<typeof lpStream>) => (await lp.read()).subarray()[0];

    it('refuses an offer too short to hold its length, as malformed', async () => {
      const lp = lpStream(await openStream());
      await lp.write(Uint8Array.of(1, 2));
      expect(await status(lp)).toBe(PRIVATE_STATUS.malformed);
      expect(await refusals(vodafone, 'SFR-FR', 'malformed')).toBe(1);
      expect(await count(vodafone, 'consortium_security_invalid_messages_total', { kind: 'malformed' })).toBe(1);
    });

    it('refuses a body shorter than it declared, as malformed, without delivering it', async () => {
      const lp = lpStream(await openStream());
      await lp.write(offer(10, 'SFR-FR>Vodafone-UK'));
      expect(await status(lp)).toBe(PRIVATE_STATUS.ok);
      await lp.write(text('short'));
      expect(await status(lp)).toBe(PRIVATE_STATUS.malformed);
      expect(await refusals(vodafone, 'SFR-FR', 'malformed')).toBe(2);
      expect(delivered.get('Vodafone-UK')!.filter((message) => message.from === 'SFR-FR')).toEqual([]);
    });

    it("names a receiver's answer that is not a status byte as malformed, and scores it", async () => {
      await rogue.handle(PROTOCOL_IDS.records, async (stream) => {
        const lp = lpStream(stream);
        await lp.read();
        await lp.write(Uint8Array.of(7, 7));
      });
      await rogue.dial(multiaddr(addressOf(tmobile)));
      await waitFor('T-Mobile sees SFR-FR connected', () => tmobile.node.connectedMembers().includes('SFR-FR'));
      const error = await rejection(tmobile.node.sendPrivate('SFR-FR', text('T-Mobile-DE>SFR-FR'), text('records')));
      expect(error).toBeInstanceOf(MalformedFrameError);
      expect(error).toMatchObject({ memberId: 'SFR-FR', protocol: 'records' });
      expect(await count(tmobile, 'consortium_security_invalid_messages_total', { kind: 'malformed' })).toBe(1);
    });

    it('refuses a declared body over the limit before reading it, counts it, and disconnects the member', async () => {
      const lp = lpStream(await openStream());
      await lp.write(offer(MESSAGE_MAX_BYTES.records + 1, 'SFR-FR>Vodafone-UK'));
      expect(await status(lp)).toBe(PRIVATE_STATUS.too_large);
      expect(await refusals(vodafone, 'SFR-FR', 'oversized')).toBe(1);
      expect(await count(vodafone, 'consortium_security_invalid_messages_total', { kind: 'oversized' })).toBe(1);
      await waitFor('SFR-FR disconnected for its back-off', () => !vodafone.node.connectedMembers().includes('SFR-FR'));
      expect(delivered.get('Vodafone-UK')!.filter((message) => message.from === 'SFR-FR')).toEqual([]);
    });
  });

  it('fails at once, naming the member, when the receiver is down', async () => {
    await telenor.node.stop();
    await waitFor('T-Mobile sees Telenor gone', () => !tmobile.node.connectedMembers().includes('Telenor-NO'));
    const error = await rejection(tmobile.node.sendPrivate('Telenor-NO', text('T-Mobile-DE>Telenor-NO'), text('records')));
    expect(error).toBeInstanceOf(NotConnectedError);
    expect(error).toMatchObject({ memberId: 'Telenor-NO' });
    expect(lastSpan('T-Mobile-DE', 'p2p.private.send')).toMatchObject({ 'p2p.member': 'Telenor-NO', 'p2p.outcome': 'not_connected' });
  });
});
