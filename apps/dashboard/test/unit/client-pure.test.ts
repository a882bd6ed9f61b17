import { describe, expect, it } from 'vitest';
import { takeTokenFromFragment } from '../../src/client/api.js';
import { filterEvents } from '../../src/client/filters.js';
import { CLIENT_LIMITS } from '../../src/client/limits.js';
import { Store, viewFromHash } from '../../src/client/store.js';
import { parseMessage } from '../../src/client/stream.js';
import { memberColour, rttColour, seriesColour, trafficWidth } from '../../src/client/ui/colors.js';
import { makeSecurityEvent, makeSnapshot, makeTick, memberIds } from '../support/snapshot-fixture.js';

describe('parseMessage', () => {
  it('takes the type from the event name, with or without a type in the data', () => {
    expect(parseMessage('security', JSON.stringify({ event: { kind: 'auth_failed' } }))).toMatchObject({ type: 'security', event: { kind: 'auth_failed' } });
    expect(parseMessage('zkp', JSON.stringify({ type: 'zkp', zkp: {} }))).toMatchObject({ type: 'zkp' });
  });

  it.each([
    ['{not json', 'not JSON'],
    ['[1,2]', 'not an object'],
    ['null', 'not an object'],
    ['{"type":"tick"}', 'event security carries type "tick"'],
  ])('refuses %j: %s', (data, reason) => {
    expect(parseMessage('security', data)).toBe(reason);
  });
});

describe('takeTokenFromFragment', () => {
  // Stand-ins for the browser's Location and History (outside the project).
  function browser(hash: string) {
    const replaced: string[] = [];
    const location = { hash, pathname: '/', search: '' } as Location;
    const history = { state: null, replaceState: (_state: unknown, _title: string, url: string) => replaced.push(url) } as unknown as History;
    return { location, history, replaced };
  }

  it('takes the token and removes the fragment from the address', () => {
    const { location, history, replaced } = browser('#token=abc%2Bdef');
    expect(takeTokenFromFragment(location, history)).toBe('abc+def');
    expect(replaced).toEqual(['/']);
  });

  it('leaves another fragment (a view route) alone', () => {
    const { location, history, replaced } = browser('#/alerts');
    expect(takeTokenFromFragment(location, history)).toBeNull();
    expect(replaced).toEqual([]);
  });

  it('an empty token is none, and the fragment still goes', () => {
    const { location, history, replaced } = browser('#token=');
    expect(takeTokenFromFragment(location, history)).toBeNull();
    expect(replaced).toEqual(['/']);
  });
});

describe('filterEvents', () => {
  const events = [makeSecurityEvent('Orange-FR', 'auth_failed', 3, '10.0.0.1'), makeSecurityEvent('SFR-FR', 'refused_peer', 2, '12D3KooWStranger'), makeSecurityEvent('Orange-FR', 'rate_limited', 1, '10.0.0.2')];

  it('by kind, node and text (case-insensitive, any field), together', () => {
    expect(filterEvents(events, { kind: 'refused_peer', node: '', text: '' })).toHaveLength(1);
    expect(filterEvents(events, { kind: '', node: 'Orange-FR', text: '' })).toHaveLength(2);
    expect(filterEvents(events, { kind: '', node: '', text: 'STRANGER' })).toEqual([events[1]]);
    expect(filterEvents(events, { kind: 'rate_limited', node: 'Orange-FR', text: '10.0.0' })).toEqual([events[2]]);
    expect(filterEvents(events, { kind: '', node: '', text: '   ' })).toHaveLength(3);
  });

  it('matches only the first filterTextMax characters of the text', () => {
    const long = `10.0.0.1${'x'.repeat(CLIENT_LIMITS.filterTextMax)}`;
    expect(filterEvents(events, { kind: '', node: '', text: long })).toHaveLength(0);
    expect(filterEvents(events, { kind: '', node: '', text: `10.0.0.1${' '.repeat(CLIENT_LIMITS.filterTextMax)}zzz` })).toEqual([events[0]]);
  });
});

describe('views and colours', () => {
  it('routes by hash', () => {
    expect(viewFromHash('#/topology')).toBe('topology');
    expect(viewFromHash('#alerts')).toBe('alerts');
    expect(viewFromHash('#token=abc')).toBeNull();
    expect(viewFromHash('')).toBeNull();
  });

  it.each([4, 5, 7])('gives each of %i members its own colour, and a percentile series its member\'s', (count) => {
    const members = memberIds(count);
    expect(new Set(members.map((member) => memberColour(members, member))).size).toBe(count);
    expect(seriesColour(members, `${members[1]} p95`, 9)).toBe(memberColour(members, members[1]!));
  });

  it('colours links by RTT and sizes them by traffic, bounded', () => {
    expect(rttColour(0.002)).not.toBe(rttColour(0.02));
    expect(rttColour(0.02)).not.toBe(rttColour(0.2));
    expect(rttColour(null)).not.toBe(rttColour(0.002));
    expect(trafficWidth(null)).toBe(1);
    expect(trafficWidth(10_000)).toBeGreaterThan(trafficWidth(100));
    expect(trafficWidth(1e15)).toBe(8);
  });
});

describe('Store', () => {
  it('calls its listeners once per animation frame however many messages came, and not after unsubscribing', () => {
    // A stand-in for the browser's frame scheduler (outside the project): frames run when the test says.
    const frames: (() => void)[] = [];
    const previous = globalThis.requestAnimationFrame;
    globalThis.requestAnimationFrame = (callback: FrameRequestCallback) => frames.push(() => callback(0));
    try {
      const store = new Store('health');
      let calls = 0;
      const unsubscribe = store.subscribe(() => calls++);
      const snapshot = makeSnapshot(5, 1_000_000);
      store.dispatch({ type: 'snapshot', snapshot });
      store.dispatch(makeTick(snapshot, 1_001_000));
      store.setUi({ view: 'alerts' });
      expect(frames).toHaveLength(1);
      frames.shift()!();
      expect(calls).toBe(1);
      expect(store.state.applied).toMatchObject({ snapshot: 1, tick: 1 });
      unsubscribe();
      store.dispatch(makeTick(snapshot, 1_002_000));
      frames.shift()!();
      expect(calls).toBe(1);
    } finally {
      globalThis.requestAnimationFrame = previous;
    }
  });
});
