/**
 * Round-trip time over the standard libp2p ping protocol (/ipfs/ping/1.0.0, answered by the
 * @libp2p/ping service every node runs). The client is ours rather than `ping.ping()` because
 * that one measures with Date.now(): whole milliseconds, so a loopback or LAN round trip reads
 * 0 ms, while the RTT histogram's buckets start at 0.5 ms. The stream is opened (and the
 * protocol negotiated) before the clock starts, so the figure is one echo of 32 bytes.
 */
import { randomBytes } from 'node:crypto';
import type { Connection } from '@libp2p/interface';
import { byteStream } from '@libp2p/utils';
import { PING_PROTOCOL } from './constants.js';

const PROBE_BYTES = 32;

/** Resolves with the RTT in ms (sub-millisecond resolution); rejects on timeout or a bad echo. */
export async function measureRtt(connection: Connection, timeoutMs: number, onMismatch: () => Error): Promise<number> {
  const signal = AbortSignal.timeout(timeoutMs);
  const stream = await connection.newStream(PING_PROTOCOL, { signal, runOnLimitedConnection: true });
  try {
    const bytes = byteStream(stream);
    const probe = randomBytes(PROBE_BYTES);
    const startedAt = performance.now();
    await bytes.write(probe, { signal });
    const echo = await bytes.read({ bytes: PROBE_BYTES, signal });
    const rttMs = performance.now() - startedAt;
    if (!probe.equals(echo.subarray())) throw onMismatch();
    await stream.close({ signal });
    return rttMs;
  } catch (err) {
    stream.abort(err as Error);
    throw err;
  }
}
