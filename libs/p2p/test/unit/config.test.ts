import { describe, expect, it } from 'vitest';
import { buildMemberDirectory, resolveFrameLimits, resolveLimits } from '../../src/config.js';
import { DEFAULT_FRAME_LIMITS, DEFAULT_LIMITS, P2P_FRAME_CEILING_BYTES } from '../../src/constants.js';
import { generateNodeKey, InvalidLimitsError, InvalidMemberListError, peerIdOf, type MemberEntry } from '../../src/index.js';

describe('resolveLimits', () => {
  it('returns the defaults, with overrides merged per field, per protocol and per kind', () => {
    expect(resolveLimits()).toEqual(DEFAULT_LIMITS);
    const limits = resolveLimits({ pingIntervalMs: 100, messageRates: { tx: { perSecond: 5, burst: 5 } }, scoreWeights: { replay: 1 } });
    expect(limits.pingIntervalMs).toBe(100);
    expect(limits.messageRates.tx).toEqual({ ...DEFAULT_LIMITS.messageRates.tx, perSecond: 5, burst: 5 });
    expect(limits.messageRates.consensus).toEqual(DEFAULT_LIMITS.messageRates.consensus);
    expect(limits.scoreWeights).toEqual({ ...DEFAULT_LIMITS.scoreWeights, replay: 1 });
  });

  it('lists every bad value at once', () => {
    const bad = {
      pingIntervalMs: 0,
      writeTimeoutMs: Number.NaN,
      healthEventsMax: 2.5,
      colour: 3,
      messageRates: { tx: { perSecond: 1, burst: 0.5 }, gossip: { perSecond: 1, burst: 1 } },
      scoreWeights: { replay: -1, rude: 1 },
      backoffBaseMs: 10,
    };
    let error: unknown;
    try {
      resolveLimits(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidLimitsError);
    expect((error as InvalidLimitsError).problems).toEqual([
      'pingIntervalMs must be a positive finite number, got 0',
      'writeTimeoutMs must be a positive finite number, got NaN',
      'healthEventsMax must be an integer, got 2.5',
      'colour is not a limit',
      'messageRates.tx needs perSecond > 0 and burst >= 1',
      'messageRates.gossip: not a protocol',
      'scoreWeights.replay must be a finite number >= 0',
      'scoreWeights.rude: not an invalid-message kind',
    ]);
  });

  it('refuses a cap below its base', () => {
    expect(() => resolveLimits({ backoffBaseMs: 10_000, backoffMaxMs: 1_000 })).toThrow(/backoffMaxMs must be >= backoffBaseMs/);
    expect(() => resolveLimits({ redialBaseMs: 10_000, redialMaxMs: 1_000 })).toThrow(/redialMaxMs must be >= redialBaseMs/);
  });
});

describe('resolveFrameLimits', () => {
  it('takes per-protocol frame limits (apps/node sets them from genesis) over the defaults', () => {
    expect(resolveFrameLimits()).toEqual(DEFAULT_FRAME_LIMITS);
    const frames = resolveFrameLimits({ messageMaxBytes: { consensus: 20 * 1024 * 1024 }, responseMaxBytes: { sync: 30 * 1024 * 1024 } });
    expect(frames.messageMaxBytes).toEqual({ ...DEFAULT_FRAME_LIMITS.messageMaxBytes, consensus: 20 * 1024 * 1024 });
    expect(frames.responseMaxBytes.sync).toBe(30 * 1024 * 1024);
    expect(frames.requestMaxBytes).toEqual(DEFAULT_FRAME_LIMITS.requestMaxBytes);
  });

  it('refuses limits above the ceiling, unknown protocols, and byte bursts a largest frame could not pass', () => {
    let error: unknown;
    try {
      resolveFrameLimits({ messageMaxBytes: { consensus: P2P_FRAME_CEILING_BYTES + 1, tx: 2.5 }, requestMaxBytes: { gossip: 1 } as never }, resolveLimits({ messageRates: { records: { burstBytes: 1024 } } }).messageRates);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidLimitsError);
    expect((error as InvalidLimitsError).problems).toEqual([
      `frameLimits.messageMaxBytes.consensus must be a whole number of bytes from 1 to ${P2P_FRAME_CEILING_BYTES}, got ${P2P_FRAME_CEILING_BYTES + 1}`,
      'frameLimits.messageMaxBytes.tx must be a whole number of bytes from 1 to 67108864, got 2.5',
      'frameLimits.requestMaxBytes.gossip: not a protocol of this kind',
      'messageRates.records.burstBytes 1024 is below the records largest message (body and offer) 16781316: its largest frame could never pass',
    ]);
  });
});

describe('buildMemberDirectory', () => {
  async function members(): Promise<MemberEntry[]> {
    const ids = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR'];
    return Promise.all(ids.map(async (id) => ({ id, peerId: peerIdOf(await generateNodeKey()) })));
  }

  it('keeps the other members, with addresses stripped of their matching /p2p/ part', async () => {
    const list = await members();
    const withAddresses = [list[0]!, { ...list[1]!, addresses: [`/ip4/10.0.0.2/tcp/7000/p2p/${list[1]!.peerId}`, '/dns4/vf.example/tcp/7000'] }, list[2]!];
    const directory = buildMemberDirectory(withAddresses, 'T-Mobile-DE', list[0]!.peerId);
    expect(directory.self).toBe('T-Mobile-DE');
    expect(directory.remotes.map((member) => member.id)).toEqual(['Vodafone-UK', 'Orange-FR']);
    expect(directory.remotes[0]!.peerId.toString()).toBe(list[1]!.peerId);
    expect(directory.remotes[0]!.addresses.map(String)).toEqual(['/ip4/10.0.0.2/tcp/7000', '/dns4/vf.example/tcp/7000']);
    expect(directory.remotes[1]!.addresses).toEqual([]);
  });

  it("carries each member's voting power (1 when genesis gives none) and refuses one that is not a positive integer", async () => {
    const list = await members();
    const directory = buildMemberDirectory([{ ...list[0]!, votingPower: 3 }, { ...list[1]!, votingPower: 2 }, list[2]!], 'T-Mobile-DE', list[0]!.peerId);
    expect(directory.selfVotingPower).toBe(3);
    expect(directory.remotes.map((member) => member.votingPower)).toEqual([2, 1]);
    expect(() => buildMemberDirectory([list[0]!, { ...list[1]!, votingPower: 0 }, list[2]!], 'T-Mobile-DE', list[0]!.peerId)).toThrow(/votingPower 0 is not a positive integer/);
  });

  it('lists every problem of a bad member list', async () => {
    const list = await members();
    const bad: MemberEntry[] = [
      list[0]!,
      { id: 'Vodafone-UK', peerId: 'not-a-peer-id' },
      { id: 'Orange-FR', peerId: list[2]!.peerId, addresses: ['/ip4/999.0.0.1/tcp/1', `/ip4/10.0.0.3/tcp/1/p2p/${list[0]!.peerId}`] },
      { id: 'Orange-FR', peerId: list[0]!.peerId },
      { id: '', peerId: list[1]!.peerId },
    ];
    let error: unknown;
    try {
      buildMemberDirectory(bad, 'SFR-FR', list[0]!.peerId);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidMemberListError);
    const problems = (error as InvalidMemberListError).problems;
    expect(problems).toHaveLength(7);
    expect(problems[0]).toMatch(/members\[1\] \(Vodafone-UK\): peerId "not-a-peer-id" is not a libp2p peer id/);
    expect(problems[1]).toMatch(/members\[2\] \(Orange-FR\): address "\/ip4\/999.0.0.1\/tcp\/1" is invalid/);
    expect(problems[2]).toMatch(/members\[2\] \(Orange-FR\): address \/ip4\/10.0.0.3\/tcp\/1\/p2p\/\S+ names peer \S+, not the member's/);
    expect(problems[3]).toMatch(/members\[3\] \(Orange-FR\): duplicate member id/);
    expect(problems[4]).toMatch(/members\[3\] \(Orange-FR\): peer id \S+ is listed twice/);
    expect(problems[5]).toMatch(/members\[4\]: id must be a non-empty string/);
    expect(problems[6]).toBe('this node\'s member id "SFR-FR" is not in the member list');
  });

  it('refuses a list where this node is listed under another peer id', async () => {
    const list = await members();
    expect(() => buildMemberDirectory(list, 'T-Mobile-DE', list[1]!.peerId)).toThrow(/this node's entry lists peer id \S+ but its private key is peer id/);
  });

  it('refuses an empty list', () => {
    expect(() => buildMemberDirectory([], 'T-Mobile-DE', 'x')).toThrow(InvalidMemberListError);
  });
});
