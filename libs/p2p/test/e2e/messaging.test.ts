import { findLabelViolations } from '@consortium/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HandlerAlreadyRegisteredError,
  InvalidPayloadError,
  InvalidTimeoutError,
  OversizedPayloadError,
  RequestRefusedError,
  RequestTimeoutError,
  SelfAddressedError,
  UnknownMemberError,
  UnsupportedProtocolError,
  type MemberId,
  type MessageProtocol,
} from '../../src/index.js';
import { makeIdentities, metricValue, TestNetwork, type TestNode } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';

const network = new TestNetwork();
/** For requests that get an answer: generous, as a busy machine can take seconds. */
const REQUEST_TIMEOUT_MS = 15_000;
let nodes: TestNode[];
let tmobile: TestNode, vodafone: TestNode, orange: TestNode, telenor: TestNode;

type Received = { protocol: MessageProtocol; from: MemberId; body: string };
const received = new Map<MemberId, Received[]>();
/** The raw bytes of the last frame each member received, to check large frames byte for byte. */
const lastPayload = new Map<MemberId, Uint8Array>();

const text = (value: string) => new TextEncoder().encode(value);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

beforeAll(async () => {
  nodes = await network.startCluster(await makeIdentities(['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO']));
  [tmobile, vodafone, orange, telenor] = nodes as [TestNode, TestNode, TestNode, TestNode];
  for (const { node, identity } of nodes) {
    const inbox: Received[] = [];
    received.set(identity.id, inbox);
    for (const protocol of ['consensus', 'tx'] as const) {
      node.onMessage(protocol, (from, payload) => {
        lastPayload.set(identity.id, payload);
        inbox.push({ protocol, from, body: payload.byteLength > 1024 ? `${payload.byteLength} bytes` : decode(payload) });
      });
    }
  }
  // Responders: one echoes, one never answers, one fails; Telenor registers none.
  tmobile.node.onRequest('sync', (from, payload) => Promise.resolve(text(`${from} asked for ${decode(payload)}`)));
  orange.node.onRequest('sync', () => new Promise<Uint8Array>(() => undefined));
  vodafone.node.onRequest('sync', async () => Promise.reject(new Error('block store unavailable')));
});
afterAll(async () => network.stopAll());

const inbox = (node: TestNode) => received.get(node.identity.id)!;
const clear = () => {
  for (const list of received.values()) list.length = 0;
};

describe('messages between members', () => {
  it('connects every member to every other', () => {
    for (const { node, identity } of nodes) {
      const others = nodes.map((peer) => peer.identity.id).filter((id) => id !== identity.id);
      expect(node.connectedMembers().sort()).toEqual(others.sort());
    }
  });

  it('delivers a broadcast to every other member, in order, with the sender as `from`', async () => {
    clear();
    tmobile.node.broadcast('consensus', text('proposal 1'));
    tmobile.node.broadcast('consensus', text('proposal 2'));
    await waitFor('three members got both frames', () => [vodafone, orange, telenor].every((peer) => inbox(peer).length === 2));
    for (const peer of [vodafone, orange, telenor]) {
      expect(inbox(peer)).toEqual([
        { protocol: 'consensus', from: 'T-Mobile-DE', body: 'proposal 1' },
        { protocol: 'consensus', from: 'T-Mobile-DE', body: 'proposal 2' },
      ]);
    }
    expect(inbox(tmobile)).toEqual([]);
  });

  it('delivers send() to the named member only, at the handler of its protocol', async () => {
    clear();
    orange.node.send('Telenor-NO', 'tx', text('tx 42'));
    vodafone.node.send('Telenor-NO', 'consensus', text('vote'));
    await waitFor('Telenor got both', () => inbox(telenor).length === 2);
    expect(inbox(telenor)).toEqual(
      expect.arrayContaining([
        { protocol: 'tx', from: 'Orange-FR', body: 'tx 42' },
        { protocol: 'consensus', from: 'Vodafone-UK', body: 'vote' },
      ]),
    );
    expect([tmobile, vodafone, orange].every((peer) => inbox(peer).length === 0)).toBe(true);
  });

  it('carries a frame of several MiB intact (a block-sized proposal)', async () => {
    clear();
    const block = new Uint8Array(6 * 1024 * 1024).map((_, index) => index % 251);
    vodafone.node.send('Orange-FR', 'consensus', block);
    await waitFor('the 6 MiB frame arrived', () => inbox(orange).length === 1, 60_000);
    expect(inbox(orange)[0]).toEqual({ protocol: 'consensus', from: 'Vodafone-UK', body: `${block.byteLength} bytes` });
    expect(Buffer.from(lastPayload.get('Orange-FR')!).equals(block)).toBe(true);
    const health = vodafone.node.peerHealth().find((peer) => peer.memberId === 'Orange-FR')!;
    expect(health.traffic.consensus.sent.bytes).toBeGreaterThanOrEqual(block.byteLength);
  });
});

describe('requests between members', () => {
  it('answers a request with the responder handler result', async () => {
    const response = await vodafone.node.request('T-Mobile-DE', 'sync', text('heights 1-10'), REQUEST_TIMEOUT_MS);
    expect(decode(response)).toBe('Vodafone-UK asked for heights 1-10');
  });

  it('times out against a handler that never answers, within the timeout', async () => {
    const startedAt = performance.now();
    await expect(tmobile.node.request('Orange-FR', 'sync', text('heights 1-10'), 300)).rejects.toBeInstanceOf(RequestTimeoutError);
    const elapsedMs = performance.now() - startedAt;
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    // It gave up rather than waiting on: the bound allows for a busy machine's late timers.
    expect(elapsedMs).toBeLessThan(10_000);
    // The silent responder is still healthy and connected.
    expect(tmobile.node.connectedMembers()).toContain('Orange-FR');
  });

  it('reports a missing handler and a failing handler as refusals', async () => {
    const noHandler = await tmobile.node.request('Telenor-NO', 'sync', text('x'), REQUEST_TIMEOUT_MS).catch((err: unknown) => err);
    expect(noHandler).toBeInstanceOf(RequestRefusedError);
    expect((noHandler as RequestRefusedError).refusal).toBe('no_handler');
    const failing = await tmobile.node.request('Vodafone-UK', 'sync', text('x'), REQUEST_TIMEOUT_MS).catch((err: unknown) => err);
    expect(failing).toBeInstanceOf(RequestRefusedError);
    expect((failing as RequestRefusedError).refusal).toBe('handler_failed');
    expect(vodafone.logs.find('sync handler threw').length).toBeGreaterThan(0);
  });

  it('serves concurrent requests', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, async (_, index) => decode(await telenor.node.request('T-Mobile-DE', 'sync', text(`batch ${index}`), REQUEST_TIMEOUT_MS))),
    );
    expect(responses).toEqual(Array.from({ length: 10 }, (_, index) => `Telenor-NO asked for batch ${index}`));
  });
});

describe('bad input', () => {
  it('is refused with a specific error and changes nothing', async () => {
    const sentBefore = await metricValue(tmobile.telemetry, 'consortium_p2p_sent_messages_total');
    const node = tmobile.node;
    expect(() => node.send('Nokia-FI', 'tx', text('x'))).toThrow(UnknownMemberError);
    expect(() => node.send('T-Mobile-DE', 'tx', text('x'))).toThrow(SelfAddressedError);
    expect(() => node.send('Orange-FR', 'records' as MessageProtocol, text('x'))).toThrow(UnsupportedProtocolError);
    expect(() => node.broadcast('sync' as MessageProtocol, text('x'))).toThrow(UnsupportedProtocolError);
    expect(() => node.broadcast('tx', new Uint8Array(1024 * 1024 + 1))).toThrow(OversizedPayloadError);
    expect(() => node.broadcast('tx', 'not bytes' as unknown as Uint8Array)).toThrow(InvalidPayloadError);
    await expect(node.request('Orange-FR', 'sync', new Uint8Array(4097), 1_000)).rejects.toBeInstanceOf(OversizedPayloadError);
    await expect(node.request('Orange-FR', 'sync', text('x'), 0)).rejects.toBeInstanceOf(InvalidTimeoutError);
    await expect(node.request('Orange-FR', 'tx' as 'sync', text('x'), 1_000)).rejects.toBeInstanceOf(UnsupportedProtocolError);
    expect(() => node.onMessage('tx', () => undefined)).toThrow(HandlerAlreadyRegisteredError);
    expect(await metricValue(tmobile.telemetry, 'consortium_p2p_sent_messages_total')).toBe(sentBefore);
  });
});

describe('traffic metrics', () => {
  it('counts bytes and messages per member and protocol, labelled by member id only', async () => {
    const sent = await metricValue(tmobile.telemetry, 'consortium_p2p_sent_messages_total', { member: 'Vodafone-UK', protocol: 'consensus' });
    const got = await metricValue(vodafone.telemetry, 'consortium_p2p_received_messages_total', { member: 'T-Mobile-DE', protocol: 'consensus' });
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(got).toBe(sent);
    const bytes = await metricValue(vodafone.telemetry, 'consortium_p2p_received_bytes_total', { member: 'T-Mobile-DE', protocol: 'consensus' });
    expect(bytes).toBe('proposal 1'.length + 'proposal 2'.length);
    expect(await metricValue(vodafone.telemetry, 'consortium_p2p_received_messages_total', { member: 'T-Mobile-DE', protocol: 'sync' })).toBeGreaterThan(0);
    expect(await metricValue(tmobile.telemetry, 'consortium_p2p_connected_peers')).toBe(3);
    for (const { telemetry } of nodes) expect(await findLabelViolations(telemetry.registry)).toEqual([]);
    const page = await tmobile.telemetry.renderMetrics();
    expect(page.body).not.toMatch(/12D3KooW/);
  });
});
