import { describe, expect, it } from 'vitest';
import { CumulativeReadings } from '../../src/collectors/cumulative.js';
import { parseMeminfoBytes, parseProcNetDev } from '../../src/collectors/proc-parsers.js';

const netDev = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 1234567    1000    0    0    0     0          0         0  1234567    1000    0    0    0     0       0          0
  eth0: 9876543210 5000    0    0    0     0          0         0  123456789  4000    0    0    0     0       0          0
`;

describe('Linux /proc parsers', () => {
  it('reads receive and transmit bytes per interface from /proc/net/dev', () => {
    expect(parseProcNetDev(netDev)).toEqual([
      { interface: 'lo', receiveBytes: 1234567, transmitBytes: 1234567 },
      { interface: 'eth0', receiveBytes: 9876543210, transmitBytes: 123456789 },
    ]);
  });

  it('ignores lines it cannot read', () => {
    expect(parseProcNetDev('h1\nh2\nnot an interface line\n  x: 1 2\n')).toEqual([]);
  });

  it('reads a /proc/meminfo field in bytes, or null when absent', () => {
    const meminfo = 'MemTotal:       24000000 kB\nMemFree:        18000000 kB\nMemAvailable:   20000000 kB\n';
    expect(parseMeminfoBytes(meminfo, 'MemAvailable')).toBe(20_000_000 * 1024);
    expect(parseMeminfoBytes(meminfo, 'MemFree')).toBe(18_000_000 * 1024);
    expect(parseMeminfoBytes('MemTotal:       24000000 kB\n', 'MemAvailable')).toBeNull();
  });
});

describe('cumulative readings', () => {
  it('adds only the growth since the last reading, and rebases after a reset', () => {
    const readings = new CumulativeReadings();
    expect(readings.delta('eth0', 100)).toBe(100);
    expect(readings.delta('eth0', 150)).toBe(50);
    expect(readings.delta('eth0', 150)).toBe(0);
    expect(readings.delta('eth0', 20)).toBe(20);
    expect(readings.delta('lo', 5)).toBe(5);
  });
});
