import type { ConsensusMetrics, Logger } from '@consortium/telemetry';
import type { MemberId } from '../genesis/types.js';
import type { ConsensusLimits } from '../limits.js';
import type { MessageChannel, Transport } from '../transport.js';

/**
 * Every frame consensus sends passes here. A frame over its channel's limit (the limits table,
 * which is also what receivers accept) is not sent: receivers would refuse it and score this
 * node. A transport that throws (libs/p2p on an oversized payload, or when stopped) is caught
 * and counted: nothing consensus sends can throw out of a timer into the process. A halted node
 * sends nothing.
 */
export class Outbound {
  private readonly frameMaxBytes: Readonly<Record<MessageChannel, number>>;

  constructor(
    private readonly transport: Transport,
    limits: ConsensusLimits,
    private readonly metrics: ConsensusMetrics | null,
    private readonly logger: Logger | null,
    private readonly mayStillSend: () => boolean,
  ) {
    this.frameMaxBytes = { consensus: limits.consensusFrameMaxBytes, tx: limits.txBatchFrameMaxBytes };
  }

  /** Broadcasts a frame; false when it was not handed to the transport. */
  broadcast(channel: MessageChannel, payload: Uint8Array): boolean {
    return this.hand(channel, payload, () => this.transport.broadcast(channel, payload));
  }

  send(to: MemberId, channel: MessageChannel, payload: Uint8Array): boolean {
    return this.hand(channel, payload, () => this.transport.send(to, channel, payload));
  }

  private hand(channel: MessageChannel, payload: Uint8Array, deliver: () => void): boolean {
    if (!this.mayStillSend()) return false;
    const maxBytes = this.frameMaxBytes[channel];
    if (payload.byteLength > maxBytes) {
      this.metrics?.outboundDroppedTotal.inc({ channel, reason: 'oversized' });
      this.logger?.error({ channel, bytes: payload.byteLength, maxBytes }, 'not sending a frame over its channel limit (a bug: senders pack frames within the limits table)');
      return false;
    }
    try {
      deliver();
      return true;
    } catch (error) {
      this.metrics?.outboundDroppedTotal.inc({ channel, reason: 'transport_error' });
      this.logger?.warn({ channel, err: error }, 'the transport refused a frame');
      return false;
    }
  }
}
