import type { InvalidMessageKind, MemberId, PrivateHandler, SendPrivateOptions } from '@consortium/p2p';
import type { PrivateTransport } from '@consortium/settlement';

/**
 * libs/p2p carries private messages between two members on one protocol with one handler per
 * node. The node has two kinds of them: usage records (creditor to debtor) and co-signing
 * proposals (an agreement or a dispute resolution, between its two parties). This splits the
 * one handler into channels by the header's first byte; each channel is a PrivateTransport
 * of its own, so the record exchange runs on it unchanged.
 */

export const PRIVATE_CHANNELS = { records: 0, cosign: 1 } as const;
export type PrivateChannelName = keyof typeof PRIVATE_CHANNELS;

export class PrivateChannels {
  private readonly handlers = new Map<number, PrivateHandler>();

  constructor(private readonly transport: PrivateTransport) {}

  /** Registers the one handler on the transport: an unknown channel is refused before its body is sent. */
  start(): void {
    this.transport.handlePrivate({
      authorize: async (from, header) => {
        const handler = this.handlers.get(header[0] ?? -1);
        if (handler === undefined) return false;
        return handler.authorize(from, header.subarray(1));
      },
      deliver: async (from, header, body) => this.handlers.get(header[0]!)!.deliver(from, header.subarray(1), body),
    });
  }

  channel(name: PrivateChannelName): PrivateTransport {
    const id = PRIVATE_CHANNELS[name];
    return {
      sendPrivate: (to: MemberId, header: Uint8Array, body: Uint8Array, options?: SendPrivateOptions) => {
        const tagged = new Uint8Array(header.byteLength + 1);
        tagged[0] = id;
        tagged.set(header, 1);
        return this.transport.sendPrivate(to, tagged, body, options);
      },
      handlePrivate: (handler: PrivateHandler) => {
        if (this.handlers.has(id)) throw new Error(`the private channel ${name} already has a handler`);
        this.handlers.set(id, handler);
      },
      reportInvalid: (member: MemberId, kind: InvalidMessageKind) => this.transport.reportInvalid(member, kind),
    };
  }
}
