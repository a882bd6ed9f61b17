import { createServer, connect, type Server, type Socket } from 'node:net';
import { drawUint32 } from '../traffic/seeded.js';

/**
 * A TCP proxy on loopback that injects network faults between two node processes: the only
 * path one node has to another in a chaos devnet (proxy-mesh.ts), as a firewall, a WAN link or
 * a broken switch would be between hosts.
 *
 * Faults act on what TCP would show the application, since the proxy sits above TCP:
 * - a cut (partition) blackholes the link: nothing passes either way, new connections are
 *   accepted and then stay silent, as when packets are dropped; what was sent waits, as TCP
 *   retransmits it, and arrives when the link heals, unless an end gave up on the connection
 *   first (its ping timeout) or more than `bufferMaxBytes` piled up (the connection is reset);
 * - latency delays every chunk by `latencyMs`, in order;
 * - loss delays a chunk by `retransmitDelayMs` (TCP's retransmission after a lost segment) with
 *   probability `lossRate`, and everything behind it waits for it (head-of-line blocking).
 */

export interface LinkFaults {
  /** Added one-way delay of every chunk, ms. */
  readonly latencyMs: number;
  /** Probability (0..1) that a chunk is lost once and arrives `retransmitDelayMs` late. */
  readonly lossRate: number;
}

export const NO_FAULTS: LinkFaults = { latencyMs: 0, lossRate: 0 };

export interface FaultProxyOptions {
  /** Where the proxied node listens (loopback). */
  readonly targetPort: number;
  /** Names the link in errors and seeds its loss draws. */
  readonly name: string;
  readonly seed: string;
  /** TCP's first retransmission timeout on Linux is 200 ms. */
  readonly retransmitDelayMs?: number;
  /** What one direction of a connection may hold back (cut or delayed) before it is reset. */
  readonly bufferMaxBytes?: number;
}

export interface FaultProxyStats {
  readonly connections: number;
  readonly bytes: number;
  /** Chunks held back by a loss draw. */
  readonly lostChunks: number;
  /** Connections reset because a direction held more than bufferMaxBytes. */
  readonly resets: number;
}

interface HeldChunk {
  readonly chunk: Buffer;
  /** When it may be written; Infinity while the link is cut. */
  dueAtMs: number;
}

/** One direction of one proxied connection: chunks from `from` to `to`, in order, each when due. */
class Direction {
  private readonly held: HeldChunk[] = [];
  private heldBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  /** A chunk never overtakes the one before it. */
  private lastDueAtMs = 0;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly proxy: FaultProxy,
  ) {
    from.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    const faults = this.proxy.faults;
    if (!this.proxy.isCut && this.held.length === 0 && faults.latencyMs === 0 && faults.lossRate === 0) {
      this.proxy.countBytes(chunk.byteLength);
      this.to.write(chunk);
      return;
    }
    this.held.push({ chunk, dueAtMs: this.proxy.isCut ? Number.POSITIVE_INFINITY : this.dueAt(Date.now()) });
    this.heldBytes += chunk.byteLength;
    if (this.heldBytes > this.proxy.bufferMaxBytes) {
      this.proxy.countReset();
      this.from.destroy();
      this.to.destroy();
      return;
    }
    this.schedule();
  }

  private dueAt(nowMs: number): number {
    const { latencyMs } = this.proxy.faults;
    const lost = this.proxy.drawLoss();
    const dueAtMs = Math.max(this.lastDueAtMs, nowMs + latencyMs + (lost ? this.proxy.retransmitDelayMs : 0));
    this.lastDueAtMs = dueAtMs;
    return dueAtMs;
  }

  /** The link healed: what waited is sent now (plus the link's latency), in order. */
  release(): void {
    const nowMs = Date.now();
    for (const entry of this.held) if (entry.dueAtMs === Number.POSITIVE_INFINITY) entry.dueAtMs = this.dueAt(nowMs);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null) return;
    const next = this.held[0];
    if (next === undefined || next.dueAtMs === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushDue();
    }, Math.max(0, next.dueAtMs - Date.now()));
  }

  private flushDue(): void {
    const nowMs = Date.now();
    while (this.held.length > 0 && this.held[0]!.dueAtMs <= nowMs) {
      const { chunk } = this.held.shift()!;
      this.heldBytes -= chunk.byteLength;
      this.proxy.countBytes(chunk.byteLength);
      if (!this.to.destroyed) this.to.write(chunk);
    }
    this.schedule();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.held.length = 0;
    this.heldBytes = 0;
  }
}

export class FaultProxy {
  faults: LinkFaults = NO_FAULTS;
  readonly retransmitDelayMs: number;
  readonly bufferMaxBytes: number;
  private cut = false;
  private readonly directions = new Set<Direction>();
  private readonly sockets = new Set<Socket>();
  /** Ends of connections whose other end closed while the link was cut: they learn of it when it heals. */
  private readonly closesOnHeal = new Set<Socket>();
  private lossDraws = 0;
  private stats = { connections: 0, bytes: 0, lostChunks: 0, resets: 0 };

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: FaultProxyOptions,
  ) {
    this.retransmitDelayMs = options.retransmitDelayMs ?? 200;
    this.bufferMaxBytes = options.bufferMaxBytes ?? 16 * 1024 * 1024;
  }

  /** Listens on a free loopback port and forwards every connection to the target port. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const proxy = new FaultProxy(server, (server.address() as { port: number }).port, options);
    server.on('connection', (inbound) => proxy.onConnection(inbound));
    return proxy;
  }

  get name(): string {
    return this.options.name;
  }

  /** The proxy's address for node.json's p2p.peers. */
  get multiaddr(): string {
    return `/ip4/127.0.0.1/tcp/${this.port}`;
  }

  get isCut(): boolean {
    return this.cut;
  }

  /** Blackholes the link (both ways); what is sent meanwhile waits. */
  setCut(cut: boolean): void {
    if (this.cut === cut) return;
    this.cut = cut;
    if (cut) return;
    for (const direction of this.directions) direction.release();
    for (const socket of this.closesOnHeal) socket.destroy();
    this.closesOnHeal.clear();
  }

  setFaults(faults: LinkFaults): void {
    if (!(faults.latencyMs >= 0) || !(faults.lossRate >= 0 && faults.lossRate <= 1)) throw new RangeError(`${this.name}: latency must be >= 0 ms and loss in 0..1, got ${faults.latencyMs} ms, ${faults.lossRate}`);
    this.faults = faults;
  }

  snapshot(): FaultProxyStats {
    return { ...this.stats };
  }

  /** Closes every connection and stops listening. */
  async close(): Promise<void> {
    for (const direction of this.directions) direction.stop();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // The directions' accounting.

  drawLoss(): boolean {
    const { lossRate } = this.faults;
    if (lossRate === 0) return false;
    const lost = drawUint32(this.options.seed, this.options.name, this.lossDraws++) / 2 ** 32 < lossRate;
    if (lost) this.stats.lostChunks += 1;
    return lost;
  }

  countBytes(bytes: number): void {
    this.stats.bytes += bytes;
  }

  countReset(): void {
    this.stats.resets += 1;
  }

  private onConnection(inbound: Socket): void {
    this.stats.connections += 1;
    const outbound = connect({ port: this.options.targetPort, host: '127.0.0.1', noDelay: true });
    const pair = [new Direction(inbound, outbound, this), new Direction(outbound, inbound, this)];
    for (const direction of pair) this.directions.add(direction);
    for (const socket of [inbound, outbound]) {
      this.sockets.add(socket);
      // A reset or refused target ends the pair; the other end sees its connection close.
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        this.closesOnHeal.delete(socket);
        const other = socket === inbound ? outbound : inbound;
        // Across a cut the other end hears nothing of the close (no FIN gets through) until the
        // link heals or its own timeouts give up.
        if (this.cut && !other.destroyed) {
          this.closesOnHeal.add(other);
          return;
        }
        other.destroy();
        for (const direction of pair) {
          direction.stop();
          this.directions.delete(direction);
        }
      });
    }
  }
}
