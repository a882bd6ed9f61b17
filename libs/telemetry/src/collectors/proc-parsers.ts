/** Pure parsers for Linux /proc files, kept apart from the I/O so they can be tested alone. */

export interface InterfaceTraffic {
  readonly interface: string;
  readonly receiveBytes: number;
  readonly transmitBytes: number;
}

/**
 * Parses /proc/net/dev: two header lines, then `iface: rx_bytes rx_packets ... (8 receive
 * fields) tx_bytes ...`.
 */
export function parseProcNetDev(text: string): InterfaceTraffic[] {
  const result: InterfaceTraffic[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    const receiveBytes = fields[0];
    const transmitBytes = fields[8];
    if (name === '' || receiveBytes === undefined || transmitBytes === undefined) continue;
    if (!Number.isFinite(receiveBytes) || !Number.isFinite(transmitBytes)) continue;
    result.push({ interface: name, receiveBytes, transmitBytes });
  }
  return result;
}

/** One field of /proc/meminfo (e.g. MemAvailable, MemFree) in bytes, or null when absent. */
export function parseMeminfoBytes(text: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
  return match?.[1] === undefined ? null : Number(match[1]) * 1024;
}
